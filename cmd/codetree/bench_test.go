package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/codetree/codetree/sandbox/sandboxtest"
)

// TestBenchSimulated runs codetree bench with the simulated model on a few
// HumanEval problems and checks the run folder, then that --resume has
// nothing left to do.
func TestBenchSimulated(t *testing.T) {
	dataDir(t)
	bin := codetreeBinary(t)
	out := filepath.Join(t.TempDir(), "run")
	args := []string{"bench", "--model", "sim", "--dataset", "humaneval", "--limit", "3", "--budget", "6", "--out", out,
		"--api-key", "sk-test-do-not-leak"}
	if b, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("bench: %v\n%s", err, b)
	}
	var sum map[string]any
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if sum["simulated"] != true || sum["strategy"] != "codetree" || sum["attempted"] != 3.0 || sum["visible_test_policy"] != "codetree" {
		t.Errorf("summary %v", sum)
	}
	if _, ok := sum["pass@1"].(float64); !ok {
		t.Errorf("summary has no pass@1: %v", sum)
	}
	cfg, _ := sum["config"].(map[string]any)
	for _, k := range []string{"sim_seed", "request_timeout", "max_retries", "temperature", "analyzers", "parallel", "timeout"} {
		if _, ok := cfg[k]; !ok {
			t.Errorf("summary config lacks %s: %v", k, cfg)
		}
	}
	for _, f := range []string{"summary.json", "report.md", "report.html", "results.jsonl", "errors.jsonl"} {
		if b, _ := os.ReadFile(filepath.Join(out, f)); strings.Contains(string(b), "sk-test-do-not-leak") {
			t.Errorf("%s holds the API key", f)
		}
	}
	for _, f := range []string{"samples.jsonl", "results.jsonl"} {
		b, err := os.ReadFile(filepath.Join(out, f))
		if err != nil || strings.Count(string(b), "\n") != 3 {
			t.Errorf("%s: %d lines, %v; want 3", f, strings.Count(string(b), "\n"), err)
		}
	}
	for _, f := range []string{"report.md", "report.html"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("no %s: %v", f, err)
		}
	}
	trees, _ := filepath.Glob(filepath.Join(out, "trees", "*.json"))
	if len(trees) != 3 {
		t.Errorf("%d trees, want 3", len(trees))
	}
	// Without --resume the folder is refused; with it nothing is redone.
	if err := exec.Command(bin, args...).Run(); err == nil {
		t.Error("a second run into the same folder was not refused")
	}
	b, err = exec.Command(bin, append(args, "--resume")...).CombinedOutput()
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, b)
	}
	if strings.Contains(string(b), "HumanEval/0 ") {
		t.Errorf("resume searched a finished problem again:\n%s", b)
	}
}

// TestSimLLMServesAsk: `codetree sim-llm` answers `codetree ask` for a
// HumanEval problem with code that defines its entry point.
func TestSimLLMServesAsk(t *testing.T) {
	dataDir(t)
	bin := sandboxtest.RunnerBinary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	srv := exec.Command(bin, "sim-llm", "--addr", addr)
	stdout, err := srv.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); !strings.Contains(line, addr) {
		t.Fatalf("sim-llm said %q", line)
	}
	prompt := "def add(x: int, y: int):\n    \"\"\"Add two numbers x and y\n    >>> add(2, 3)\n    5\n    \"\"\"\n"
	out, err := exec.Command(bin, "ask", "--model", "sim", "--base-url", "http://"+addr+"/v1", "--role", "solver", "--entry-point", "add", prompt).Output()
	if err != nil {
		t.Fatalf("ask: %v", err)
	}
	if !strings.Contains(string(out), "def add(") {
		t.Errorf("the simulated solver wrote %q", out)
	}
}

// TestBenchSimRates: --sim-correct-rate reaches the simulated model: at 1
// every direct answer is the reference, at 0 almost none is.
func TestBenchSimRates(t *testing.T) {
	dataDir(t)
	bin := codetreeBinary(t)
	pass := func(rate string) float64 {
		out := filepath.Join(t.TempDir(), "run")
		if b, err := exec.Command(bin, "bench", "--model", "sim", "--strategy", "direct", "--limit", "10",
			"--sim-correct-rate", rate, "--out", out).CombinedOutput(); err != nil {
			t.Fatalf("bench: %v\n%s", err, b)
		}
		var sum struct {
			PassAt1 float64        `json:"pass@1"`
			Config  map[string]any `json:"config"`
		}
		b, _ := os.ReadFile(filepath.Join(out, "summary.json"))
		if err := json.Unmarshal(b, &sum); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(sum.Config["sim_correct_rate"]) != rate {
			t.Errorf("config sim_correct_rate %v, want %s", sum.Config["sim_correct_rate"], rate)
		}
		return sum.PassAt1
	}
	if p := pass("1"); p != 1 {
		t.Errorf("pass@1 %v at correct rate 1, want 1", p)
	}
	if p := pass("0"); p > 0.5 {
		t.Errorf("pass@1 %v at correct rate 0, want mostly mutants", p)
	}
}

// TestBenchResampleSamples: with the simulated model, resample at its
// default temperature (1.0) draws distinct candidates, while the same
// run at temperature 0 repeats itself; summary.json records the
// temperatures and counts the duplicates.
func TestBenchResampleSamples(t *testing.T) {
	dataDir(t)
	bin := codetreeBinary(t)
	run := func(extra ...string) map[string]any {
		out := filepath.Join(t.TempDir(), "run")
		args := append([]string{"bench", "--model", "sim", "--dataset", "humaneval", "--limit", "6", "--budget", "5",
			"--strategy", "resample", "--sim-correct-rate", "0.1", "--out", out}, extra...)
		if b, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("bench %v: %v\n%s", extra, err, b)
		}
		var sum map[string]any
		b, err := os.ReadFile(filepath.Join(out, "summary.json"))
		if err != nil || json.Unmarshal(b, &sum) != nil {
			t.Fatalf("summary.json: %v", err)
		}
		return sum
	}
	hot, cold := run(), run("--temperatures", "solver=0")
	temps, _ := hot["temperatures"].(map[string]any)
	if temps["solver"] != 1.0 {
		t.Errorf("temperatures %v, want the Solver at resample's 1.0", hot["temperatures"])
	}
	num := func(s map[string]any, k string) float64 { v, _ := s[k].(float64); return v }
	if d, a := num(hot, "distinct_candidates"), num(hot, "attempted"); d <= a {
		t.Errorf("at 1.0: %v distinct candidates over %v problems; want more than one for some", d, a)
	}
	if d, a := num(cold, "distinct_candidates"), num(cold, "attempted"); d != a || num(cold, "duplicates") == 0 {
		t.Errorf("at 0: %v distinct candidates over %v problems, %v duplicates; want one each and the rest duplicates", d, a, num(cold, "duplicates"))
	}
}

// TestBenchUnscoredExitStatus: a run that leaves problems without a
// result after infrastructure errors exits 3 and says how to finish it;
// --resume, once the model answers, finishes it and exits 0.
func TestBenchUnscoredExitStatus(t *testing.T) {
	dataDir(t)
	bin := codetreeBinary(t)
	out := filepath.Join(t.TempDir(), "run")
	args := []string{"bench", "--model", "sim", "--strategy", "direct", "--limit", "2", "--out", out}
	cmd := exec.Command(bin, append(args, "--sim-faults", "500=1", "--max-retries", "0")...)
	b, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInfra {
		t.Fatalf("bench with a failing model: %v, want exit %d\n%s", err, exitInfra, b)
	}
	if !strings.Contains(string(b), "2 of 2 problems have no result") || !strings.Contains(string(b), "--resume") {
		t.Errorf("output does not say what is unscored and how to finish it:\n%s", b)
	}
	if b, err := exec.Command(bin, append(args, "--resume")...).CombinedOutput(); err != nil {
		t.Fatalf("bench --resume: %v\n%s", err, b)
	}
}

// deadEndpoint returns a base URL where nothing listens, and its host:port.
func deadEndpoint(t *testing.T) (url, addr string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = l.Addr().String()
	l.Close()
	return "http://" + addr + "/v1", addr
}

// TestBenchDeadEndpointFailsFast: with nothing listening at --base-url,
// bench stops at once with exit 3 and says what to check, instead of
// retrying every problem.
func TestBenchDeadEndpointFailsFast(t *testing.T) {
	dataDir(t)
	bin := codetreeBinary(t)
	url, addr := deadEndpoint(t)
	out := filepath.Join(t.TempDir(), "run")
	cmd := exec.Command(bin, "bench", "--model", "gpt-4o-mini", "--base-url", url, "--api-key", "sk-test-dead-endpoint",
		"--limit", "12", "--concurrency", "4", "--out", out)
	b, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInfra {
		t.Fatalf("bench against a dead endpoint: %v, want exit %d\n%s", err, exitInfra, b)
	}
	if !strings.Contains(string(b), addr) || !strings.Contains(string(b), "cannot reach the server") {
		t.Errorf("the error does not name the endpoint and what is wrong:\n%s", b)
	}
	if strings.Contains(string(b), "sk-test-dead-endpoint") {
		t.Errorf("the output holds the API key:\n%s", b)
	}
}
