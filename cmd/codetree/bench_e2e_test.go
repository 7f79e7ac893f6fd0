package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/codetree/codetree/benchmarks"
	"github.com/codetree/codetree/benchmarks/simllm"
	"github.com/codetree/codetree/sandbox/sandboxtest"
)

func dataDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("CODETREE_DATA_DIR")
	if dir == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CODETREE_DATA_DIR must be set in CI")
		}
		t.Skip("CODETREE_DATA_DIR is not set")
	}
	return dir
}

// promptRecorder serves the simulated model and keeps every prompt.
type promptRecorder struct {
	mu      sync.Mutex
	prompts []string
	next    http.Handler
}

func (p *promptRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var req struct {
		Messages []struct{ Content string } `json:"messages"`
	}
	if json.Unmarshal(body, &req) == nil {
		var b strings.Builder
		for _, m := range req.Messages {
			b.WriteString(m.Content)
			b.WriteByte('\n')
		}
		p.mu.Lock()
		p.prompts = append(p.prompts, b.String())
		p.mu.Unlock()
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	p.next.ServeHTTP(w, r)
}

// hiddenAsserts reads the official tests straight from the dataset files,
// not through the benchmarks package whose separation is under test:
// HumanEval's check() asserts (with candidate renamed to the entry point,
// as a leak would show it) and MBPP's test_list.
func hiddenAsserts(t *testing.T, dir string, ds benchmarks.Dataset) map[string][]string {
	t.Helper()
	out := make(map[string][]string)
	switch ds {
	case benchmarks.HumanEval:
		f, err := os.Open(filepath.Join(dir, "humaneval", "HumanEval.jsonl.gz"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(zr)
		for {
			var p struct {
				TaskID     string `json:"task_id"`
				Test       string `json:"test"`
				EntryPoint string `json:"entry_point"`
			}
			if err := dec.Decode(&p); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(p.Test, "\n") {
				line = strings.TrimSpace(line)
				if strings.HasPrefix(line, "assert") && strings.Contains(line, "candidate(") {
					out[p.TaskID] = append(out[p.TaskID], strings.ReplaceAll(line, "candidate(", p.EntryPoint+"("))
				}
			}
		}
	case benchmarks.MBPP:
		b, err := os.ReadFile(filepath.Join(dir, "mbpp", "mbpp.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(b, []byte("\n")) {
			var p struct {
				TaskID   int      `json:"task_id"`
				TestList []string `json:"test_list"`
			}
			if json.Unmarshal(line, &p) == nil && p.TaskID > 0 {
				out[strconv.Itoa(p.TaskID)] = p.TestList
			}
		}
	}
	return out
}

// TestBenchHiddenTestsNeverReachAPrompt runs codetree bench against a
// recording model server on HumanEval and MBPP and checks every prompt
// the search sent: the visible tests are there (the check can see a test),
// the hidden ones never are.
func TestBenchHiddenTestsNeverReachAPrompt(t *testing.T) {
	dir := dataDir(t)
	bin := codetreeBinary(t)
	for _, tc := range []struct {
		ds  benchmarks.Dataset
		ids string
	}{
		{benchmarks.HumanEval, "HumanEval/0,HumanEval/2,HumanEval/12,HumanEval/35,HumanEval/53"},
		{benchmarks.MBPP, "11,12,16,17,18"},
	} {
		t.Run(string(tc.ds), func(t *testing.T) {
			problems, err := benchmarks.Load(t.Context(), tc.ds, benchmarks.LoadOptions{DataDir: dir}) // the dataset's default policy, as bench uses
			if err != nil {
				t.Fatal(err)
			}
			opts := simllm.DefaultOptions()
			opts.CorrectRate = 0.2 // most first answers fail: the search repairs with feedback
			rec := &promptRecorder{next: simllm.New(problems, opts).Handler()}
			srv := httptest.NewServer(rec)
			defer srv.Close()
			out := filepath.Join(t.TempDir(), "run")
			cmd := exec.Command(bin, "bench", "--model", "recorded", "--base-url", srv.URL+"/v1", "--dataset", string(tc.ds),
				"--ids", tc.ids, "--budget", "8", "--strategy", "codetree", "--out", out)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("bench: %v\n%s", err, b)
			}
			// The model is not called "sim", but the server said it is
			// simulated: the summary must say so.
			var sum map[string]any
			if b, err := os.ReadFile(filepath.Join(out, "summary.json")); err != nil || json.Unmarshal(b, &sum) != nil || sum["simulated"] != true {
				t.Errorf("summary.json of a run against the simulated server: simulated %v (read: %v), want true", sum["simulated"], err)
			}
			hidden := hiddenAsserts(t, dir, tc.ds)
			visible := make(map[string]bool)
			for _, p := range problems {
				for _, v := range p.Task().Visible {
					visible[strings.Join(strings.Fields(v.Assert), " ")] = true
				}
			}
			all := strings.Join(rec.prompts, "\n---\n")
			if strings.Count(all, "---") < 10 {
				t.Fatalf("only %d prompts: the search did not run", len(rec.prompts))
			}
			flat := strings.Join(strings.Fields(all), " ")
			seenVisible, checked := 0, 0
			for _, id := range strings.Split(tc.ids, ",") {
				asserts := hidden[id]
				if len(asserts) == 0 {
					t.Fatalf("no hidden asserts read for %s", id)
				}
				for _, a := range asserts {
					a = strings.Join(strings.Fields(a), " ")
					if visible[a] {
						if strings.Contains(flat, a) {
							seenVisible++
						}
						continue
					}
					checked++
					if strings.Contains(flat, a) {
						t.Errorf("%s: a hidden test reached a prompt: %s", id, a)
					}
				}
			}
			if tc.ds == benchmarks.MBPP && seenVisible == 0 {
				t.Errorf("no visible MBPP test appeared in a prompt: the check cannot see tests")
			}
			if checked < 10 {
				t.Errorf("only %d hidden asserts checked", checked)
			}
		})
	}
}

// TestBenchResumeAfterKill interrupts a simulated run with Ctrl-C, then
// kills the resumed run with SIGKILL, resumes it to the end, and compares
// its summary with one uninterrupted run's: the same verdicts, the same
// generations and the same tokens.
func TestBenchResumeAfterKill(t *testing.T) {
	dataDir(t)
	bin := codetreeBinary(t)
	args := func(out string) []string {
		return []string{"bench", "--model", "sim", "--dataset", "humaneval", "--limit", "10", "--budget", "6",
			"--concurrency", "2", "--sim-latency", "30ms", "--out", out}
	}
	whole := filepath.Join(t.TempDir(), "whole")
	if b, err := exec.Command(bin, args(whole)...).CombinedOutput(); err != nil {
		t.Fatalf("bench: %v\n%s", err, b)
	}

	broken := filepath.Join(t.TempDir(), "broken")
	// Ctrl-C: exit 130, the summary written, no container left behind.
	cmd := startAfterResults(t, bin, args(broken), broken, 2)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Errorf("after Ctrl-C: %v, want exit status 130", err)
	}
	if _, err := os.Stat(filepath.Join(broken, "summary.json")); err != nil {
		t.Errorf("no summary after Ctrl-C: %v", err)
	}
	if left := sandboxtest.Containers(t, sandboxtest.ProcessOwner(cmd.Process.Pid)); len(left) > 0 {
		t.Errorf("%d containers left after Ctrl-C", len(left))
	}
	// SIGKILL mid-run, then resume to the end.
	cmd = startAfterResults(t, bin, append(args(broken), "--resume"), broken, 5)
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	if b, err := exec.Command(bin, append(args(broken), "--resume")...).CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, b)
	}

	want, got := readSummary(t, whole), readSummary(t, broken)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summary after kills and resumes (-uninterrupted +resumed):\n%s", diff)
	}
	for _, f := range []string{"samples.jsonl", "results.jsonl"} {
		if n := countLines(t, filepath.Join(broken, f)); n != 10 {
			t.Errorf("%s has %d lines, want 10 (one per problem)", f, n)
		}
	}
}

// startAfterResults starts bench and returns once results.jsonl has n
// lines.
func startAfterResults(t *testing.T, bin string, args []string, out string, n int) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for countLines(t, filepath.Join(out, "results.jsonl")) < n {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("results.jsonl did not reach %d lines", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return cmd
}

func countLines(t *testing.T, path string) int {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("\n"))
}

// readSummary keeps what must not depend on interruptions: the verdicts,
// generations, tokens and cost (not the wall time or run configuration).
func readSummary(t *testing.T, dir string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	acc, _ := s["accounts"].(map[string]any)
	return map[string]any{
		"problems": s["problems"], "attempted": s["attempted"], "solved": s["solved"], "pass@1": s["pass@1"],
		"generations": s["generations"], "errors": s["errors"], "faults": s["faults"],
		"total": acc["total"], "by_role": acc["by_role"], "by_problem": acc["by_problem"],
	}
}
