package simllm_test

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/benchmarks/simllm"
	"github.com/codetree/codetree/benchmarks/swebench"
	"github.com/codetree/codetree/benchmarks/swebench/swebenchtest"
)

// sweInstances reads the test instances of benchmarks/swebench/testdata/swe.
func sweInstances(t *testing.T) []swebench.Instance {
	t.Helper()
	f, err := os.Open(filepath.Join(swebenchtest.Dir(t), "instances.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ins, err := swebench.ReadInstances(f, "instances.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	return ins
}

// baseFiles reads an instance's repository at its base commit (the base/
// folder of its test data).
func baseFiles(t *testing.T, in swebench.Instance) map[string]string {
	t.Helper()
	dir := filepath.Join(swebenchtest.Dir(t), in.Owner()+"+"+in.Name(), "base")
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// gitApply applies a unified diff to files with git apply, independently
// of the simulated model's own reading of diffs.
func gitApply(t *testing.T, files map[string]string, patch string) map[string]string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not found")
	}
	dir := t.TempDir()
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("git", "apply", "--whitespace=nowarn", "-")
	cmd.Dir, cmd.Stdin = dir, strings.NewReader(patch)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CEILING_DIRECTORIES="+filepath.Dir(dir))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git apply: %v\n%s", err, out)
	}
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// applyEdits applies SEARCH/REPLACE edits in order, as the repository
// mode does in its strict form: SEARCH must occur exactly once; an empty
// SEARCH creates a file (or fills an empty one).
func applyEdits(files map[string]string, edits []agent.Edit) (map[string]string, error) {
	out := maps.Clone(files)
	for i, e := range edits {
		cur, ok := out[e.Path]
		switch {
		case e.Search == "":
			if ok && cur != "" {
				return nil, fmt.Errorf("block %d: %s exists", i+1, e.Path)
			}
			out[e.Path] = e.Replace
		case !ok:
			return nil, fmt.Errorf("block %d: no file %s", i+1, e.Path)
		case strings.Count(cur, e.Search) != 1:
			return nil, fmt.Errorf("block %d: SEARCH occurs %d times in %s", i+1, strings.Count(cur, e.Search), e.Path)
		default:
			out[e.Path] = strings.Replace(cur, e.Search, e.Replace, 1)
		}
	}
	return out, nil
}

// newTestRE finds the test functions a text declares.
var newTestRE = regexp.MustCompile(`(?m)^(?:func (Test\w*)\(|def (test_\w*)\()`)

// overlay is gold with reproduced's test files.
func overlay(gold, reproduced map[string]string) map[string]string {
	out := maps.Clone(gold)
	for p, c := range reproduced {
		if strings.HasSuffix(p, "_test.go") {
			out[p] = c
		}
	}
	return out
}

// goTest runs go test on files in a temporary module (offline), -run
// pattern when not empty.
func goTest(t *testing.T, files map[string]string, run string) error {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not found")
	}
	dir := t.TempDir()
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"test", "-count=1", "./..."}
	if run != "" {
		args = append(args, "-run", run)
	}
	cmd := exec.Command(goBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOPROXY=off", "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v\n%s", err, out)
	}
	return nil
}

// render shows files as the repository mode's prompts do.
func render(files map[string]string) string {
	paths := slices.Sorted(maps.Keys(files))
	var b strings.Builder
	b.WriteString("Repository files:\n" + strings.Join(paths, "\n") + "\n")
	for _, p := range paths {
		fmt.Fprintf(&b, "\n%s\n```\n%s```\n", p, files[p])
	}
	return b.String()
}

// diffFiles lists the paths whose contents differ.
func diffFiles(a, b map[string]string) []string {
	var out []string
	for p := range a {
		if a[p] != b[p] {
			out = append(out, p)
		}
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// TestOracle drives every role of the issue pipeline against the oracle
// for each test instance (Go and Python), with the real agent roles.
func TestOracle(t *testing.T) {
	t.Parallel()
	instances := sweInstances(t)
	c := client(t, simllm.New(nil, simllm.Options{Instances: instances}))
	want := map[string]struct {
		lang  string
		files []string
		locs  []string
	}{
		"acme__strutil-1":  {"go", []string{"strutil.go"}, []string{"strutil.go: Reverse"}},
		"acme__mathx-2":    {"go", []string{"mathx.go"}, []string{"mathx.go: Clamp"}},
		"acme__kvparse-3":  {"go", []string{"kv.go"}, []string{"kv.go: Parse"}},
		"pyco__slugs-4":    {"python", []string{"slugs/__init__.py"}, []string{"slugs/__init__.py: slugify"}},
		"pyco__units-5":    {"python", []string{"units.py"}, []string{"units.py: FACTORS"}},
		"acme__confdiff-6": {"go", []string{"confdiff.go"}, []string{"confdiff.go: Changed"}},
	}
	if len(instances) != len(want) {
		t.Fatalf("%d instances, the test knows %d", len(instances), len(want))
	}
	for _, in := range instances {
		w, ok := want[in.InstanceID]
		if !ok {
			t.Fatalf("instance %s is not in the test's table", in.InstanceID)
		}
		t.Run(in.InstanceID, func(t *testing.T) {
			t.Parallel()
			testOracleInstance(t, c, in, w.lang, w.files, w.locs)
		})
	}
}

func testOracleInstance(t *testing.T, c agent.Completer, in swebench.Instance, lang string, wantFiles, wantLocs []string) {
	ctx := t.Context()
	issue := strings.TrimSpace(in.ProblemStatement + "\n\n" + in.HintsText)
	base := baseFiles(t, in)
	gold := gitApply(t, base, in.Patch)
	withTest := gitApply(t, base, in.TestPatch)

	// Localize: the gold patch's files, then what its hunks change.
	files, err := agent.Localizer{C: c}.Files(ctx, agent.LocateFilesRequest{ProblemID: in.InstanceID, Lang: lang,
		Issue: issue, Layout: strings.Join(slices.Sorted(maps.Keys(base)), "\n")})
	if err != nil {
		t.Fatalf("Files: %v", err)
	}
	if !slices.Equal(files.Paths, wantFiles) {
		t.Errorf("Files = %v, want %v", files.Paths, wantFiles)
	}
	if !files.Response.Simulated {
		t.Error("the response is not marked simulated")
	}
	syms, err := agent.Localizer{C: c}.Symbols(ctx, agent.LocateSymbolsRequest{ProblemID: in.InstanceID, Lang: lang,
		Issue: issue, Skeletons: render(base)})
	if err != nil {
		t.Fatalf("Symbols: %v", err)
	}
	var locs []string
	for _, l := range syms.Locations {
		locs = append(locs, l.String())
	}
	if !slices.Equal(locs, wantLocs) {
		t.Errorf("Symbols = %q, want %q", locs, wantLocs)
	}

	// Reproduce: the test patch, as blocks.
	repro, err := agent.Reproducer{C: c}.Write(ctx, agent.ReproduceRequest{ProblemID: in.InstanceID, Lang: lang,
		Issue: issue, Context: render(base)})
	if err != nil {
		t.Fatalf("Reproducer: %v", err)
	}
	reproduced, err := applyEdits(base, repro.Edits)
	if err != nil {
		t.Fatalf("reproduction blocks do not apply: %v", err)
	}
	// The test patch, and where it adds no test function a copy of the
	// function it changes under a new name.
	for _, p := range diffFiles(reproduced, withTest) {
		extra, ok := strings.CutPrefix(reproduced[p], withTest[p])
		if !ok || !newTestRE.MatchString(extra) {
			t.Errorf("reproduction blocks differ from the test patch in %s by more than a new test:\n%s", p, reproduced[p])
		}
	}
	// The test functions the reproduction adds fail on the base code and
	// pass with the gold patch.
	var added []string
	for _, p := range diffFiles(base, reproduced) {
		for _, m := range newTestRE.FindAllStringSubmatch(reproduced[p], -1) {
			if name := m[1] + m[2]; !regexp.MustCompile(`(?m)^(func|def) ` + name + `\(`).MatchString(base[p]) {
				added = append(added, name)
			}
		}
	}
	if len(added) == 0 {
		t.Errorf("the reproduction adds no test function")
	}
	// Run on the host: a Go module without requirements builds offline.
	if lang == "go" && len(added) > 0 && !strings.Contains(base["go.mod"], "require") {
		if err := goTest(t, reproduced, "^("+strings.Join(added, "|")+")$"); err == nil {
			t.Errorf("the new tests %v pass on the base code", added)
		}
		if err := goTest(t, overlay(gold, reproduced), ""); err != nil {
			t.Errorf("with the gold patch the tests fail: %v", err)
		}
	}

	// Edit: a wrong first edit that applies and only adds a comment.
	first, err := agent.Editor{C: c}.Edit(ctx, agent.EditRequest{ProblemID: in.InstanceID, Lang: lang,
		Task: issue, Context: render(base), Strategy: strings.Join(wantLocs, ", ")})
	if err != nil {
		t.Fatalf("Edit: %v", err)
	}
	wrong, err := applyEdits(base, first.Edits)
	if err != nil {
		t.Fatalf("the first edit does not apply: %v", err)
	}
	changed := diffFiles(base, wrong)
	if len(changed) != 1 {
		t.Fatalf("the first edit changes %v, want one file", changed)
	}
	p := changed[0]
	if a, b := strings.Count(base[p], "\n"), strings.Count(wrong[p], "\n"); b != a+1 || !strings.Contains(wrong[p], "TODO(codetree-sim)") {
		t.Errorf("the first edit is not one added comment line:\n%s", wrong[p])
	}
	if wrong[p] == gold[p] {
		t.Error("the first edit is the gold patch")
	}

	// Repair: revert the wrong edit, then the gold hunks: exactly the
	// gold patch's files.
	script := agent.FormatEdits(first.Edits)
	fail := "Tests passed: 0/1\nFAIL go test ./... --\n  --- FAIL: TestX\n"
	rep, err := agent.Editor{C: c}.Repair(ctx, agent.RepairRequest{ProblemID: in.InstanceID, Lang: lang, Task: issue,
		Context: render(wrong), PrevEdits: script, Feedback: fail, Reflection: "1. Fix it."})
	if err != nil {
		t.Fatalf("Repair: %v", err)
	}
	fixed, err := applyEdits(wrong, rep.Edits)
	if err != nil {
		t.Fatalf("the repair does not apply after the wrong edit: %v\n%s", err, agent.FormatEdits(rep.Edits))
	}
	if d := diffFiles(fixed, gold); len(d) > 0 {
		t.Errorf("after the repair, %v differ from the gold patch's files", d)
	}

	// A repair of the gold state changes nothing; a repair of edits that
	// did not apply is the gold patch on the base.
	full := strings.TrimRight(script, "\n") + "\n\n" + agent.FormatEdits(rep.Edits)
	again, err := agent.Editor{C: c}.Repair(ctx, agent.RepairRequest{ProblemID: in.InstanceID, Lang: lang, Task: issue,
		Context: render(fixed), PrevEdits: full, Feedback: fail, Reflection: "1. Fix it."})
	if err != nil {
		t.Fatalf("Repair of the gold state: %v", err)
	}
	if same, err := applyEdits(fixed, again.Edits); err != nil || len(diffFiles(same, gold)) > 0 {
		t.Errorf("a repair of the gold state changed the files (%v)", err)
	}
	unapplied, err := agent.Editor{C: c}.Repair(ctx, agent.RepairRequest{ProblemID: in.InstanceID, Lang: lang, Task: issue,
		Context: render(base), PrevEdits: script, Feedback: "Error before the tests ran:\n  the edits did not apply, so nothing ran", Reflection: "1. Fix it."})
	if err != nil {
		t.Fatalf("Repair of unapplied edits: %v", err)
	}
	if g, err := applyEdits(base, unapplied.Edits); err != nil || len(diffFiles(g, gold)) > 0 {
		t.Errorf("a repair of edits that did not apply is not the gold patch (%v)", err)
	}

	// Critic and Thinker read the repository's results.
	critic := agent.Critic{C: c}
	pass := "Tests passed: 2/2\nPASS go test ./...\nPASS TestParseError\n"
	goldDiff, wrongDiff := "+ the fix\n", "+\t// TODO(codetree-sim): check this code against the issue\n"
	for _, tc := range []struct {
		name, code, feedback string
		score                int
		ok                   bool
	}{
		{"gold passing", goldDiff, pass, 5, true},
		{"failing", wrongDiff, fail, 2, false},
		{"wrong passing", wrongDiff, pass, 5, false},
	} {
		s, err := critic.Score(ctx, agent.ScoreRequest{ProblemID: in.InstanceID, Lang: lang, Problem: issue, Code: tc.code, Feedback: tc.feedback})
		if err != nil || s.Score != tc.score {
			t.Errorf("%s: Score = %d, %v; want %d", tc.name, s.Score, err, tc.score)
		}
		v, err := critic.Verify(ctx, agent.VerifyRequest{ProblemID: in.InstanceID, Lang: lang, Problem: issue, Code: tc.code, Feedback: tc.feedback})
		if err != nil || v.OK != tc.ok {
			t.Errorf("%s: Verify = %v, %v; want %v", tc.name, v.OK, err, tc.ok)
		}
	}
	refl, err := agent.Thinker{C: c}.Reflections(ctx, agent.ReflectionsRequest{ProblemID: in.InstanceID, Lang: lang,
		Problem: issue, Code: wrongDiff, Feedback: fail, Max: 2})
	if err != nil || len(refl.Reflections) != 1 || !strings.Contains(refl.Reflections[0], "only added a comment") {
		t.Errorf("Reflections = %q, %v", refl.Reflections, err)
	}
}

// TestOracleOtherConversations: conversations that name no instance are
// answered as without Instances (the scripted Editor here).
func TestOracleOtherConversations(t *testing.T) {
	t.Parallel()
	script := "a.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n"
	c := client(t, simllm.New(nil, simllm.Options{Instances: sweInstances(t), Edits: []string{script}}))
	res, err := agent.Editor{C: c}.Edit(context.Background(), agent.EditRequest{ProblemID: "p", Lang: "python",
		Task: "Set x to 2.", Context: "a.py\nx = 1\n"})
	if err != nil {
		t.Fatalf("Edit: %v", err)
	}
	if len(res.Edits) != 1 || res.Edits[0].Replace != "x = 2\n" {
		t.Errorf("Edit = %+v, want the scripted edit", res.Edits)
	}
}
