package sandbox_test

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/sandbox/sandboxtest"
)

// A Go module with a package of its own beside main: a cache hit means
// neither is compiled.
var cacheModule = map[string][]byte{
	"go.mod":     []byte("module example.com/m\n\ngo 1.21\n"),
	"dep/dep.go": []byte("package dep\n\nimport \"strings\"\n\nfunc Shout(s string) string { return strings.ToUpper(s) }\n"),
	"main.go":    []byte("package main\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/m/dep\"\n)\n\nfunc main() { fmt.Println(dep.Shout(\"hi\")) }\n"),
}

// buildScript builds the module with -x and prints how many packages the
// go command compiled and how many entries the job's own cache layer got.
const buildScript = `go build -x -o /dev/null . > build.log 2>&1 || { cat build.log; exit 1; }
echo "compiled $(grep -c '/compile ' build.log)"
echo "own_entries $(ls "$TMPDIR/codetree-gocache-$(id -u)" 2>/dev/null | wc -l)"
`

var goCacheLimits = sandbox.Limits{Timeout: 2 * time.Minute, Memory: sandbox.GiB, Tmpfs: 512 * sandbox.MiB, Pids: 256, CPUs: 1}

// count reads "key N" from a run's output.
func count(t *testing.T, res sandbox.Result, key string) int {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + key + ` (\d+)$`).FindStringSubmatch(res.Stdout)
	if m == nil {
		t.Fatalf("no %q line in the output (status %s, %s):\n%s\n%s", key, res.Status, res.Detail, res.Stdout, res.Stderr)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func snapshotDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := make(map[string]string)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

// TestExportGoBuildCache: a baseline run's cache entries come back to a
// host folder (and junk does not); a later run that mounts the folder as
// a read-only cache layer compiles nothing; a candidate's own entries
// reach neither the host folder nor the next run.
func TestExportGoBuildCache(t *testing.T) {
	if testing.Short() {
		t.Skip("Docker integration test")
	}
	t.Parallel()
	sb := sandboxtest.New(t, sandbox.Config{PoolSize: 1})
	dir := filepath.Join(t.TempDir(), "gobuild")
	const layer = "/gobuild"
	forged := strings.Repeat("e", 64) + "-d"

	// The baseline: writes to the export folder, plus junk there.
	res := sandboxtest.Run(t, sb, sandbox.Request{
		Lang: sandbox.LangGo, Files: cacheModule, Limits: goCacheLimits, FixedDir: true,
		Env:    []string{"GOCACHEPROG=" + sandbox.GoCacheProg(sandbox.ExportDir)},
		Export: &sandbox.Export{To: dir},
		Command: []string{"sh", "-c", buildScript + `cd ` + sandbox.ExportDir + ` &&
echo junk > notes.txt && echo forged > ` + forged + ` && ln -s /etc/passwd ` + strings.Repeat("f", 64) + `-a`},
	})
	if !res.Passed() || res.Export == nil {
		t.Fatalf("baseline: %s %s\n%s\n%s", res.Status, res.Detail, res.Stdout, res.Stderr)
	}
	if n := count(t, res, "compiled"); n < 2 {
		t.Fatalf("baseline compiled %d packages, want main and dep", n)
	}
	x := *res.Export
	if x.Files < 4 || x.Rejected != 3 || x.Truncated || x.Err != "" {
		t.Errorf("export %+v: want the build's entries, 3 rejected", x)
	}
	filled := snapshotDir(t, dir)
	name := regexp.MustCompile(`^[0-9a-f]{64}-[ad]$`)
	for n := range filled {
		if !name.MatchString(n) || n == forged {
			t.Errorf("host folder holds %q", n)
		}
	}
	if len(filled) != x.Files {
		t.Errorf("host folder holds %d entries, export says %d", len(filled), x.Files)
	}

	candidate := func(files map[string][]byte, script string) sandbox.Result {
		return sandboxtest.Run(t, sb, sandbox.Request{
			Lang: sandbox.LangGo, Files: files, Limits: goCacheLimits, FixedDir: true,
			Env:     []string{"GOCACHEPROG=" + sandbox.GoCacheProg("", layer)},
			Mounts:  []sandbox.Mount{{Source: dir, Target: layer}},
			Command: []string{"sh", "-c", script},
		})
	}
	// A candidate with the baseline's code: everything from the cache.
	res = candidate(cacheModule, buildScript)
	if n := count(t, res, "compiled"); n != 0 {
		t.Errorf("with the baseline's cache the candidate compiled %d packages, want 0:\n%s", n, res.Stdout)
	}
	if n := count(t, res, "own_entries"); n > 2 {
		t.Errorf("with the baseline's cache the candidate wrote %d entries of its own", n)
	}

	// A candidate that changes dep writes entries to its own layer, and
	// cannot write to the shared one.
	changed := maps.Clone(cacheModule)
	changed["dep/dep.go"] = []byte("package dep\n\nimport \"strings\"\n\nfunc Shout(s string) string { return strings.ToUpper(s) + \"!\" }\n")
	res = candidate(changed, buildScript+`touch `+layer+`/x 2>/dev/null && echo wrote_shared`)
	if n := count(t, res, "own_entries"); n == 0 || count(t, res, "compiled") == 0 {
		t.Errorf("the changed candidate compiled nothing or kept no entry of its own:\n%s", res.Stdout)
	}
	if strings.Contains(res.Stdout, "wrote_shared") {
		t.Error("a candidate wrote to the shared cache layer")
	}
	// The next run of the same change (same container) sees none of them.
	res = candidate(changed, buildScript)
	if n := count(t, res, "compiled"); n == 0 {
		t.Error("a candidate's cache entries reached the next run")
	}
	if after := snapshotDir(t, dir); !maps.Equal(after, filled) {
		t.Errorf("the host folder changed during candidate runs: %d entries, had %d", len(after), len(filled))
	}
	if keys := slices.Collect(maps.Keys(filled)); len(keys) == 0 {
		t.Fatal("empty host folder")
	}
}
