package benchmarks

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fixtureOptions copies the fixture files of testdata/datasets into a
// temporary data folder, passing each through change when it is not nil,
// and returns offline options whose file table pins the copies.
func fixtureOptions(t *testing.T, policy VisiblePolicy, change func(rel string, data []byte) []byte) LoadOptions {
	t.Helper()
	dir := t.TempDir()
	var files []DataFile
	for _, f := range dataFiles {
		data, err := os.ReadFile(filepath.Join("testdata", "datasets", filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatal(err)
		}
		if change != nil {
			data = change(f.Path, data)
		}
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, pinnedTestFile(f.Path, data))
	}
	return LoadOptions{DataDir: dir, Policy: policy, Offline: true, files: files}
}

func loadFixture(t *testing.T, d Dataset, policy VisiblePolicy) []*Problem {
	t.Helper()
	ps, err := Load(t.Context(), d, fixtureOptions(t, policy, nil))
	if err != nil {
		t.Fatalf("Load(%s): %v", d, err)
	}
	return ps
}

func problemIDs(ps []*Problem) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID()
	}
	return out
}

func TestParseDataset(t *testing.T) {
	t.Parallel()
	tests := map[string]Dataset{
		"humaneval":      HumanEval,
		"humaneval+":     HumanEvalPlus,
		"humanevalplus":  HumanEvalPlus,
		"mbpp":           MBPP,
		"mbpp-full":      MBPPFull,
		"mbpp-sanitized": MBPPSanitized,
		"mbpp_sanitized": MBPPSanitized,
		"mbpp+":          MBPPPlus,
		"mbppplus":       MBPPPlus,
		" HumanEval ":    HumanEval,
	}
	for in, want := range tests {
		if got, err := ParseDataset(in); err != nil || got != want {
			t.Errorf("ParseDataset(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, d := range Datasets() {
		if got, err := ParseDataset(string(d)); err != nil || got != d {
			t.Errorf("ParseDataset(%q) = %q, %v", d, got, err)
		}
	}
	_, err := ParseDataset("apps")
	if err == nil || !strings.Contains(err.Error(), `"apps"`) || !strings.Contains(err.Error(), "mbpp-sanitized") {
		t.Errorf("ParseDataset(apps) error = %v, want it to name the input and the choices", err)
	}
}

func TestParseVisiblePolicy(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]VisiblePolicy{
		"": "", "first": VisibleFirst, "ALL": VisibleAll, " codetree ": VisibleCodeTree,
		"docstring": VisibleDocstring, "none": VisibleNone,
	} {
		if got, err := ParseVisiblePolicy(in); err != nil || got != want {
			t.Errorf("ParseVisiblePolicy(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, err := ParseVisiblePolicy("some")
	if err == nil || !strings.Contains(err.Error(), `"some"`) || !strings.Contains(err.Error(), "codetree, docstring, first, all, none") {
		t.Errorf("ParseVisiblePolicy(some) error = %v, want it to name the input and the choices", err)
	}
}

func TestPolicyFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d       Dataset
		in      VisiblePolicy
		want    VisiblePolicy
		wantErr string
	}{
		// Empty is the dataset's default: the paper's visible tests
		// where it released them, the first assert elsewhere.
		{d: HumanEval, want: VisibleCodeTree},
		{d: HumanEvalPlus, want: VisibleCodeTree},
		{d: MBPP, want: VisibleCodeTree},
		{d: MBPPPlus, want: VisibleCodeTree},
		{d: MBPPFull, want: VisibleFirst},
		{d: MBPPSanitized, want: VisibleFirst},
		{d: HumanEval, in: "DOCSTRING", want: VisibleDocstring},
		{d: HumanEvalPlus, in: "none", want: VisibleNone},
		{d: MBPP, in: "all", want: VisibleAll},
		{d: MBPPPlus, in: "first", want: VisibleFirst},
		{d: MBPPSanitized, in: "none", want: VisibleNone},
		// Policies that do not apply are errors naming those that do.
		{d: HumanEval, in: "first", wantErr: `"first" does not apply to humaneval: want one of codetree, docstring, none`},
		{d: HumanEvalPlus, in: "all", wantErr: "does not apply to humaneval+"},
		{d: MBPP, in: "docstring", wantErr: "want one of codetree, first, all, none"},
		{d: MBPPFull, in: "codetree", wantErr: "does not apply to mbpp-full"},
		{d: MBPPSanitized, in: "codetree", wantErr: "does not apply to mbpp-sanitized"},
		{d: MBPPPlus, in: "docstring", wantErr: "does not apply to mbpp+"},
		{d: MBPP, in: "some", wantErr: "unknown visible-test policy"},
		{d: "apps", wantErr: `unknown dataset "apps"`},
	}
	for _, tt := range tests {
		got, err := PolicyFor(tt.d, tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("PolicyFor(%s, %q) = %q, %v; want an error containing %q", tt.d, tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("PolicyFor(%s, %q) = %q, %v; want %q", tt.d, tt.in, got, err, tt.want)
		}
	}
	for _, d := range Datasets() {
		if DefaultPolicy(d) != Policies(d)[0] {
			t.Errorf("%s: default %q is not the first of %v", d, DefaultPolicy(d), Policies(d))
		}
	}
	usage := PolicyUsage()
	for _, want := range []string{"codetree (default for humaneval, humaneval+, mbpp, mbpp+)", "docstring", "first (default for mbpp-full, mbpp-sanitized)", "all", "none"} {
		if !strings.Contains(usage, want) {
			t.Errorf("PolicyUsage() = %q, want it to contain %q", usage, want)
		}
	}
}

// TestLoadPolicyNotApplying checks every policy a dataset does not accept
// fails to load, before any file is read.
func TestLoadPolicyNotApplying(t *testing.T) {
	t.Parallel()
	for _, d := range Datasets() {
		for _, p := range VisiblePolicies() {
			if slices.Contains(Policies(d), p) {
				continue
			}
			_, err := Load(t.Context(), d, LoadOptions{DataDir: t.TempDir(), Policy: p, Offline: true})
			var de *DataFileError
			if err == nil || errors.As(err, &de) || !strings.Contains(err.Error(), "does not apply") {
				t.Errorf("Load(%s, %s) error = %v, want a policy error", d, p, err)
			}
		}
	}
}

func TestLoadFixturesEveryDataset(t *testing.T) {
	t.Parallel()
	want := map[Dataset][]string{
		HumanEval:     {"HumanEval/0", "HumanEval/1", "HumanEval/2"},
		HumanEvalPlus: {"HumanEval/0", "HumanEval/1"},
		MBPP:          {"11", "12", "510"},
		MBPPFull:      {"1", "11", "12", "510", "511"},
		MBPPSanitized: {"11", "12"},
		MBPPPlus:      {"Mbpp/11", "Mbpp/12"},
	}
	for _, d := range Datasets() {
		for _, policy := range append([]VisiblePolicy{""}, Policies(d)...) {
			t.Run(string(d)+"/"+string(policy), func(t *testing.T) {
				t.Parallel()
				ps := loadFixture(t, d, policy)
				if got := strings.Join(problemIDs(ps), " "); got != strings.Join(want[d], " ") {
					t.Errorf("ids = %s, want %s", got, strings.Join(want[d], " "))
				}
				wantPolicy := policy
				if wantPolicy == "" {
					wantPolicy = DefaultPolicy(d)
				}
				for _, p := range ps {
					task := p.Task()
					if task.Dataset != d || task.Lang != "python" || task.Policy != wantPolicy || task.EntryPoint == "" || task.Prompt == "" {
						t.Errorf("%s: task %+v", p.ID(), task)
					}
					if p.hidden.reference == "" || p.hidden.test == "" {
						t.Errorf("%s: hidden reference or test empty", p.ID())
					}
				}
			})
		}
	}
}

// TestLoadGzipOrPlain swaps the fixtures' compression: files are told
// apart by content, not by name.
func TestLoadGzipOrPlain(t *testing.T) {
	t.Parallel()
	swap := func(rel string, data []byte) []byte {
		if plain, err := decompressData(data); err == nil && !bytes.Equal(plain, data) {
			return plain
		}
		return gzipBytes(t, data)
	}
	for _, d := range Datasets() {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			want := problemIDs(loadFixture(t, d, ""))
			ps, err := Load(t.Context(), d, fixtureOptions(t, "", swap))
			if err != nil {
				t.Fatal(err)
			}
			if got := problemIDs(ps); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("ids %v, want %v", got, want)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	// insertLine puts a line into a JSON Lines fixture as its line n.
	insertLine := func(target string, n int, line string) func(string, []byte) []byte {
		return func(rel string, data []byte) []byte {
			if rel != target {
				return data
			}
			plain, _ := decompressData(data)
			lines := strings.SplitAfter(string(plain), "\n")
			lines = append(lines[:n-1], append([]string{line + "\n"}, lines[n-1:]...)...)
			out := []byte(strings.Join(lines, ""))
			if !bytes.Equal(plain, data) {
				out = gzipBytes(t, out)
			}
			return out
		}
	}
	tests := []struct {
		name   string
		d      Dataset
		policy VisiblePolicy
		change func(string, []byte) []byte
		want   []string
	}{
		{
			name:   "bad JSON line",
			d:      MBPP,
			change: insertLine("mbpp/mbpp.jsonl", 3, `{"task_id": 12, "text": `),
			want:   []string{"mbpp/mbpp.jsonl line 3", "load mbpp"},
		},
		{
			name:   "bad JSON line in a gzipped file",
			d:      HumanEvalPlus,
			change: insertLine("evalplus/HumanEvalPlus.jsonl.gz", 2, `{"task_id": "HumanEval/9", "base_input": [[1]], "plus_input": [[Infinity]`),
			want:   []string{"evalplus/HumanEvalPlus.jsonl.gz line 2"},
		},
		{
			name:   "missing field",
			d:      HumanEval,
			change: insertLine("humaneval/HumanEval.jsonl.gz", 1, `{"task_id": "HumanEval/9", "prompt": "def f():\n", "entry_point": "f", "test": "x"}`),
			want:   []string{"line 1", "HumanEval/9", `"canonical_solution"`},
		},
		{
			name:   "plus inputs that are not argument lists",
			d:      MBPPPlus,
			change: insertLine("evalplus/MbppPlus.jsonl.gz", 1, `{"task_id": "Mbpp/9", "prompt": "\"\"\"\nassert f(1) == 1\n\"\"\"\n", "entry_point": "f", "canonical_solution": "def f(x): return x", "assertion": "assert f(1) == 1", "base_input": [1, 2], "plus_input": [], "atol": 0}`),
			want:   []string{"line 1", "base_input", "not an argument list"},
		},
		{
			name:   "repeated task",
			d:      MBPPFull,
			change: insertLine("mbpp/mbpp.jsonl", 1, `{"task_id": 11, "text": "t", "code": "def g(): pass", "test_list": ["assert g() == None"], "test_setup_code": "", "challenge_test_list": []}`),
			want:   []string{"task 11 appears twice"},
		},
		{
			name: "bad sanitized JSON names line and column",
			d:    MBPPSanitized,
			change: func(rel string, data []byte) []byte {
				if rel != "mbpp/sanitized-mbpp.json" {
					return data
				}
				return []byte("[\n{\"task_id\": 1,\n \"prompt\": oops}]")
			},
			want: []string{"mbpp/sanitized-mbpp.json", "line 3 column"},
		},
		{
			name:   "unknown policy",
			d:      MBPP,
			policy: "some",
			want:   []string{`"some"`},
		},
		{
			name: "unknown dataset",
			d:    "apps",
			want: []string{`unknown dataset "apps"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(t.Context(), tt.d, fixtureOptions(t, tt.policy, tt.change))
			if err == nil {
				t.Fatal("Load succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestLoadMissingFileOffline(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := Load(t.Context(), MBPPPlus, LoadOptions{DataDir: dir, Offline: true})
	var de *DataFileError
	if !errors.As(err, &de) {
		t.Fatalf("Load error = %v, want a *DataFileError", err)
	}
	want := filepath.Join(dir, "evalplus", "MbppPlus.jsonl.gz")
	if de.File.Path != "evalplus/MbppPlus.jsonl.gz" || len(de.Looked) != 1 || de.Looked[0] != want {
		t.Errorf("DataFileError = %+v, want file evalplus/MbppPlus.jsonl.gz looked for at %s", de, want)
	}
}

// TestLoadDownloads serves the fixtures from a test server, the way a
// missing file is fetched from its official URL, and checks that
// FetchDataFiles fills the data folder.
func TestLoadDownloads(t *testing.T) {
	t.Parallel()
	src := fixtureOptions(t, VisibleFirst, nil)
	serve := make(map[string][]byte)
	for _, f := range src.files {
		data, err := os.ReadFile(filepath.Join(src.DataDir, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatal(err)
		}
		serve[f.Path] = data
	}
	ts, hits := dataFileServer(t, serve)
	opts := LoadOptions{DataDir: t.TempDir(), HTTPClient: ts.Client(), BaseURL: ts.URL + "/", files: src.files}

	ps, err := Load(t.Context(), HumanEval, opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(ps) != 3 {
		t.Errorf("loaded %d problems, want 3", len(ps))
	}
	if err := FetchDataFiles(t.Context(), opts); err != nil {
		t.Fatalf("FetchDataFiles: %v", err)
	}
	if n := hits.Load(); n != 7 {
		t.Errorf("server got %d requests, want one per file (7)", n)
	}
	opts.Offline = true
	for _, d := range Datasets() {
		if _, err := Load(t.Context(), d, opts); err != nil {
			t.Errorf("Load(%s) offline after fetching: %v", d, err)
		}
	}
}

// TestLoadReal loads the real data files from $CODETREE_DATA_DIR and
// checks their counts and a few values, under the docstring and first
// policies (TestLoadRealCodeTree checks the CodeTree policy).
func TestLoadReal(t *testing.T) {
	t.Parallel()
	dir := realDataDir(t)
	load := func(d Dataset, policy VisiblePolicy) map[string]*Problem {
		ps, err := Load(t.Context(), d, LoadOptions{DataDir: dir, Policy: policy, Offline: true})
		if err != nil {
			t.Fatalf("Load(%s): %v", d, err)
		}
		m := make(map[string]*Problem, len(ps))
		for _, p := range ps {
			m[p.ID()] = p
		}
		return m
	}
	counts := map[Dataset]int{HumanEval: 164, HumanEvalPlus: 164, MBPP: 500, MBPPFull: 974, MBPPSanitized: 427, MBPPPlus: 378}
	policies := map[Dataset]VisiblePolicy{
		HumanEval: VisibleDocstring, HumanEvalPlus: VisibleDocstring,
		MBPP: VisibleFirst, MBPPFull: VisibleFirst, MBPPSanitized: VisibleFirst, MBPPPlus: VisibleFirst,
	}
	all := make(map[Dataset]map[string]*Problem)
	for _, d := range Datasets() {
		all[d] = load(d, policies[d])
		if len(all[d]) != counts[d] {
			t.Errorf("%s: %d problems, want %d", d, len(all[d]), counts[d])
		}
	}

	he, hep := all[HumanEval]["HumanEval/0"], all[HumanEvalPlus]["HumanEval/0"]
	if he.task.EntryPoint != "has_close_elements" || !strings.Contains(he.hidden.test, "def check(candidate)") ||
		he.hidden.prompt != he.task.Prompt {
		t.Errorf("HumanEval/0: %+v", he.task)
	}
	if he.hidden.reference == hep.hidden.reference {
		t.Error("HumanEval/0: HumanEval and HumanEval+ canonical solutions are the same, want them to differ")
	}
	if he.hidden.test != hep.hidden.test || len(he.hidden.baseInputs) != 0 {
		t.Error("HumanEval/0: tests differ, or HumanEval has plus inputs")
	}
	var base, plus int
	for _, p := range all[HumanEvalPlus] {
		base += len(p.hidden.baseInputs)
		plus += len(p.hidden.plusInputs)
	}
	if base != 1570 || plus != 122683 {
		t.Errorf("HumanEval+: %d base and %d plus inputs, want 1570 and 122683", base, plus)
	}
	if got := all[HumanEvalPlus]["HumanEval/2"].hidden.atol; got != 1e-06 {
		t.Errorf("HumanEval+/2 atol = %v, want 1e-06", got)
	}
	if got := all[HumanEval]["HumanEval/32"].task.Visible; len(got) != 2 || got[0].Call != "round(find_zero([1, 2]), 2)" {
		t.Errorf("HumanEval/32 visible = %+v", got)
	}

	m11 := all[MBPP]["11"]
	if m11.task.EntryPoint != "remove_Occ" || len(m11.task.Visible) != 1 || len(m11.hidden.asserts) != 3 {
		t.Errorf("MBPP 11: %+v", m11.task)
	}
	if _, ok := all[MBPP]["10"]; ok {
		t.Error("MBPP test split has task 10")
	}
	if _, ok := all[MBPP]["511"]; ok {
		t.Error("MBPP test split has task 511")
	}
	if p := all[MBPPFull]["2"]; p.task.EntryPoint != "similar_elements" || strings.Contains(p.hidden.reference, "\r") {
		t.Errorf("MBPP 2: entry %q, reference %q", p.task.EntryPoint, p.hidden.reference)
	}
	if p := all[MBPP]["367"]; !strings.HasPrefix(p.task.Visible[0].Assert, "root = Node(1)") || !strings.Contains(p.hidden.setup, "root2") {
		t.Errorf("MBPP 367: the visible test lacks the setup code: %q", p.task.Visible[0].Assert)
	}
	if p := all[MBPPSanitized]["82"]; p.hidden.setup != "import math" || p.task.EntryPoint != "volume_sphere" ||
		p.task.Visible[0].Assert != "import math\n"+p.hidden.asserts[0] {
		t.Errorf("sanitized MBPP 82: %+v, setup %q", p.task, p.hidden.setup)
	}

	mp := all[MBPPPlus]
	if p := mp["Mbpp/120"]; p.hidden.setup != "import math" || !strings.Contains(p.hidden.test, "math.isclose") || p.task.EntryPoint != "max_product_tuple" {
		t.Errorf("Mbpp/120: setup %q, test %q", p.hidden.setup, p.hidden.test)
	}
	if p := mp["Mbpp/793"]; len(p.hidden.plusInputs) != 0 || len(p.hidden.baseInputs) == 0 {
		t.Errorf("Mbpp/793: %d base, %d plus inputs", len(p.hidden.baseInputs), len(p.hidden.plusInputs))
	}
	base, plus = 0, 0
	infinity := false
	for _, p := range mp {
		base += len(p.hidden.baseInputs)
		plus += len(p.hidden.plusInputs)
		for _, in := range p.hidden.plusInputs {
			infinity = infinity || strings.Contains(in, "Infinity")
		}
	}
	if base != 1174 || plus != 39841 || !infinity {
		t.Errorf("MBPP+: %d base and %d plus inputs (Infinity kept: %v), want 1174 and 39841", base, plus, infinity)
	}

	// The integrity rule: under VisibleFirst, no other assert of an MBPP
	// problem is in what the search sees.
	for _, d := range []Dataset{MBPP, MBPPFull, MBPPSanitized} {
		for id, p := range all[d] {
			task := p.Task()
			if len(task.Visible) != 1 || !strings.HasSuffix(task.Visible[0].Assert, strings.TrimSpace(p.hidden.asserts[0])) {
				t.Errorf("%s %s: visible %+v", d, id, task.Visible)
			}
			for _, a := range p.hidden.asserts[1:] {
				if a = strings.TrimSpace(a); a != strings.TrimSpace(p.hidden.asserts[0]) && strings.Contains(task.Prompt, a) {
					t.Errorf("%s %s: hidden assert %q is in the prompt", d, id, a)
				}
			}
		}
	}
	for id, p := range mp {
		if len(p.task.Visible) != 1 || !strings.Contains(p.task.Prompt, strings.TrimPrefix(p.task.Visible[0].Assert, "import math\n")) {
			t.Errorf("MBPP+ %s: visible %+v", id, p.task.Visible)
		}
	}

	// Under VisibleAll every assert is visible and in the prompt.
	for id, p := range load(MBPP, VisibleAll) {
		if len(p.task.Visible) != len(p.hidden.asserts) {
			t.Errorf("MBPP %s (all): %d visible, %d asserts", id, len(p.task.Visible), len(p.hidden.asserts))
		}
		for _, a := range p.hidden.asserts {
			if !strings.Contains(p.task.Prompt, strings.TrimSpace(a)) {
				t.Errorf("MBPP %s (all): %q not in the prompt", id, a)
			}
		}
	}
	for id, p := range load(MBPPPlus, VisibleAll) {
		for _, a := range p.hidden.asserts {
			if !strings.Contains(p.task.Prompt, a) {
				t.Errorf("MBPP+ %s (all): %q not in the prompt", id, a)
			}
		}
		if id == "Mbpp/799" && len(p.task.Visible) != 6 { // 7 asserts, one repeated
			t.Errorf("MBPP+ %s (all): %d visible, want 6", id, len(p.task.Visible))
		}
	}
}

// realDataDir returns $CODETREE_DATA_DIR, or skips the test when it is not
// set (CI sets it to the shared data folder).
func realDataDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("CODETREE_DATA_DIR")
	if dir == "" {
		t.Skip("CODETREE_DATA_DIR is not set: skipping the tests on the real data files")
	}
	return dir
}

// loadReal loads dataset d from the real data files, never downloading.
func loadReal(t *testing.T, d Dataset, policy VisiblePolicy) []*Problem {
	t.Helper()
	ps, err := Load(t.Context(), d, LoadOptions{DataDir: realDataDir(t), Policy: policy, Offline: true})
	if err != nil {
		t.Fatalf("Load(%s): %v", d, err)
	}
	return ps
}
