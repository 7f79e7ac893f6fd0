package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// hostRunner is a Runner without Docker: it runs a Request as a host
// process in a fresh temporary folder, with bin first on PATH, and
// records the requests.
type hostRunner struct {
	t    *testing.T
	bin  string
	reqs *[]Request
}

func (h hostRunner) Run(ctx context.Context, req Request) (Result, error) {
	*h.reqs = append(*h.reqs, req)
	dir := h.t.TempDir()
	for name, data := range req.Files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return Result{}, err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return Result{}, err
		}
	}
	cmd := exec.CommandContext(ctx, req.Command[0], req.Command[1:]...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + h.bin + ":/usr/bin:/bin", "TMPDIR=" + dir, "PWD=" + dir}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	res := Result{Status: StatusPassed}
	if err := cmd.Run(); err != nil {
		if ee, ok := errors.AsType[*exec.ExitError](err); ok {
			res.Status, res.ExitCode = StatusFailed, ee.ExitCode()
		} else {
			return Result{}, fmt.Errorf("run %s: %w", req.Command[0], err)
		}
	}
	res.Stdout, res.Stderr = stdout.String(), stderr.String()
	return res, nil
}

// imageHostRunner also says which image a Request for a language runs in,
// as *Sandbox does with Config.Images.
type imageHostRunner struct {
	hostRunner
	img string
}

func (h imageHostRunner) image(Lang) string { return h.img }

// TestAnalyzeRunner runs Analyze over a Runner that is not a Sandbox,
// with a fake python3 whose pyflakes finds an unused import and which has
// no mypy: the request Analyze makes, the findings it reads back, and the
// image its advice on the missing tool names.
func TestAnalyzeRunner(t *testing.T) {
	t.Parallel()
	bin := t.TempDir()
	fake := `#!/bin/sh
case "$2" in
pyflakes) echo "m.py:1:1: 'os' imported but unused"; exit 1 ;;
*) echo "/usr/bin/python3: No module named $2" >&2; exit 1 ;;
esac
`
	if err := os.WriteFile(filepath.Join(bin, "python3"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"m.py": []byte("import os\n")}

	var reqs []Request
	fs, err := Analyze(t.Context(), hostRunner{t: t, bin: bin, reqs: &reqs}, AnalyzeRequest{
		Lang: LangPython, Files: files, Tools: []string{ToolPyflakes},
	})
	if err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	want := []Finding{{Tool: ToolPyflakes, File: "m.py", Line: 1, Column: 1, Severity: SeverityWarning, Message: "'os' imported but unused"}}
	if diff := cmp.Diff(want, fs); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if len(reqs) != 1 || reqs[0].Lang != LangPython || reqs[0].Limits.Timeout != DefaultAnalyzeTimeout || string(reqs[0].Files["m.py"]) != "import os\n" {
		t.Errorf("requests %+v, want one Python run of m.py with the default analysis timeout", reqs)
	}

	def, err := DefaultImage(LangPython)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		r         Runner
		wantImage string
	}{
		{"default image", hostRunner{t: t, bin: bin, reqs: new([]Request)}, def},
		{"runner's image", imageHostRunner{hostRunner{t: t, bin: bin, reqs: new([]Request)}, "my-python:1"}, "my-python:1"},
	} {
		_, err := Analyze(t.Context(), tc.r, AnalyzeRequest{Lang: LangPython, Files: files, Tools: []string{ToolMypy}})
		if err == nil || !strings.Contains(err.Error(), "image "+tc.wantImage+" lacks mypy") {
			t.Errorf("%s: Analyze without mypy: %v, want the advice naming image %s", tc.name, err, tc.wantImage)
		}
	}

	// Nothing to analyze: no run at all.
	reqs = nil
	fs, err = Analyze(t.Context(), hostRunner{t: t, bin: bin, reqs: &reqs}, AnalyzeRequest{Lang: LangPython, Files: map[string][]byte{"data.txt": nil}})
	if err != nil || fs != nil || len(reqs) != 0 {
		t.Errorf("Analyze of no Python file: %v, %v after %d runs; want nothing and no run", fs, err, len(reqs))
	}
}
