package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/codetree/codetree/agent"
	"github.com/codetree/codetree/agent/agenttest"
)

const askKey = "sk-ask-test-key-never-printed"

func askArgs(srv *agenttest.Server, extra ...string) []string {
	return append([]string{"ask", "--model", "gpt-4o-mini", "--base-url", srv.URL(), "--api-key", askKey}, extra...)
}

func TestAskRoles(t *testing.T) {
	t.Parallel()
	codeFile := filepath.Join(t.TempDir(), "cand.py")
	if err := os.WriteFile(codeFile, []byte("def add(a, b):\n    return a - b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		reply  string
		args   []string
		stdout string
	}{
		{"solver", "Here you go:\n```python\ndef add(a, b):\n    return a + b\n```\n",
			[]string{"--role", "solver", "--entry-point", "add", "def add(a, b):\n    \"\"\"Add two numbers.\"\"\""},
			"def add(a, b):\n    return a + b\n"},
		{"thinker", "Strategies:\n1. Use the + operator.\n2) Sum a list of the two.\n",
			[]string{"--role", "thinker", "def add(a, b): ..."},
			"1. Use the + operator.\n2. Sum a list of the two.\n"},
		{"critic score", "The outputs are off by a sign.\nScore: 3",
			[]string{"--role", "critic", "--code", codeFile, "--feedback", "add(1, 2) == 3 failed: got -1", "def add(a, b): ..."},
			"score: 3\n"},
		{"critic verify", "It hard-codes nothing.\nFalse.",
			[]string{"--role", "critic", "--verify", "--code", codeFile, "--feedback", "all tests passed", "def add(a, b): ..."},
			"verdict: false\n"},
		{"debugger", "```python\ndef add(a, b):\n    return a + b\n```",
			[]string{"--role", "debugger", "--entry-point", "add", "--code", codeFile, "--feedback", "add(1, 2) == 3 failed: got -1", "def add(a, b): ..."},
			"def add(a, b):\n    return a + b\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := agenttest.NewServer(t)
			srv.Reply(tc.reply)
			code, stdout, stderr := runCLI(t, askArgs(srv, tc.args...)...)
			if code != exitOK {
				t.Fatalf("exit %d, stderr %s", code, stderr)
			}
			if stdout != tc.stdout {
				t.Errorf("stdout %q, want %q", stdout, tc.stdout)
			}
			if !strings.Contains(stderr, "tokens: ") || !strings.Contains(stderr, "cost $") || !strings.Contains(stderr, "retries 0") {
				t.Errorf("stderr lacks the account line: %q", stderr)
			}
			reqs := srv.Requests()
			if len(reqs) != 1 || reqs[0].Authorization != "Bearer "+askKey || reqs[0].Model != "gpt-4o-mini" {
				t.Fatalf("requests %+v", reqs)
			}
			if strings.Contains(stderr+stdout, askKey) {
				t.Error("the API key was printed")
			}
		})
	}
}

// TestAskSimulatedNote: an answer from an endpoint that says it is
// simulated gets a note on stderr; others do not.
func TestAskSimulatedNote(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		headers map[string]string
		want    bool
	}{{"simulated", map[string]string{agent.SimulatedHeader: "true"}, true}, {"real", nil, false}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := agenttest.NewServer(t)
			srv.ReplyWith(agenttest.Reply{Content: "1. Use the + operator.", Headers: tc.headers})
			code, _, stderr := runCLI(t, askArgs(srv, "--role", "thinker", "def add(a, b): ...")...)
			if code != exitOK {
				t.Fatalf("exit %d, stderr %s", code, stderr)
			}
			if got := strings.Contains(stderr, "simulated model"); got != tc.want {
				t.Errorf("note on stderr %v, want %v: %q", got, tc.want, stderr)
			}
		})
	}
}

func TestAskFailures(t *testing.T) {
	t.Parallel()
	t.Run("server errors are infrastructure", func(t *testing.T) {
		t.Parallel()
		srv := agenttest.NewServer(t)
		srv.ReplyWith(agenttest.Reply{Status: 503, Body: agenttest.ErrorBody("overloaded")})
		code, _, stderr := runCLI(t, askArgs(srv, "--max-retries", "0", "def f(): ...")...)
		if code != exitInfra {
			t.Errorf("exit %d, want %d; stderr %s", code, exitInfra, stderr)
		}
		for _, want := range []string{srv.URL(), "503"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr %q lacks %q", stderr, want)
			}
		}
		if strings.Contains(stderr, askKey) {
			t.Error("the API key was printed")
		}
	})
	t.Run("unreachable endpoint", func(t *testing.T) {
		t.Parallel()
		srv := agenttest.NewServer(t)
		url := srv.URL()
		srv.Close()
		code, _, stderr := runCLI(t, askArgs(srv, "--max-retries", "0", "def f(): ...")...)
		if code != exitInfra || !strings.Contains(stderr, strings.TrimSuffix(url, "/v1")) {
			t.Errorf("exit %d, stderr %q: want %d naming %s", code, stderr, exitInfra, url)
		}
	})
	t.Run("reply without code", func(t *testing.T) {
		t.Parallel()
		srv := agenttest.NewServer(t)
		srv.Reply("I would rather not write code today.")
		code, stdout, stderr := runCLI(t, askArgs(srv, "def f(): ...")...)
		if code != exitFailure || stdout != "" {
			t.Errorf("exit %d stdout %q, want %d and nothing", code, stdout, exitFailure)
		}
		if !strings.Contains(stderr, "rather not write code") || !strings.Contains(stderr, "could not be used") {
			t.Errorf("stderr %q does not show the reply and the reason", stderr)
		}
	})
	t.Run("cost cap refuses before calling", func(t *testing.T) {
		t.Parallel()
		srv := agenttest.NewServer(t)
		code, _, stderr := runCLI(t, askArgs(srv, "--max-cost", "0.0000001", "def f(): ...")...)
		if code != exitFailure || srv.Count() != 0 {
			t.Errorf("exit %d with %d requests made; want %d and none (stderr %s)", code, srv.Count(), exitFailure, stderr)
		}
	})
	t.Run("usage", func(t *testing.T) {
		t.Parallel()
		srv := agenttest.NewServer(t)
		for _, args := range [][]string{
			{"--role", "poet", "x"},
			{"--role", "critic", "x"},
			{"--lang", "cobol", "x"},
			{},
		} {
			if code, _, stderr := runCLI(t, askArgs(srv, args...)...); code != exitUsage {
				t.Errorf("%v: exit %d, want %d (stderr %s)", args, code, exitUsage, stderr)
			}
		}
		if code, _, _ := runCLI(t, "ask", "--base-url", srv.URL(), "x"); code != exitUsage {
			t.Errorf("no model: exit %d", code)
		}
		if srv.Count() != 0 {
			t.Errorf("%d requests made for usage errors", srv.Count())
		}
	})
}

// TestAskReplay: a run recorded into a cache file replays with no endpoint.
func TestAskReplay(t *testing.T) {
	t.Parallel()
	cache := filepath.Join(t.TempDir(), "cache.jsonl")
	srv := agenttest.NewServer(t)
	srv.Reply("```python\ndef f():\n    return 42\n```")
	args := askArgs(srv, "--cache", cache, "--entry-point", "f", "def f(): ...")
	code, first, stderr := runCLI(t, args...)
	if code != exitOK {
		t.Fatalf("record: exit %d, %s", code, stderr)
	}
	srv.Close()
	replay := []string{"ask", "--model", "gpt-4o-mini", "--base-url", "http://127.0.0.1:9/v1", "--cache", cache, "--cache-mode", "replay", "--entry-point", "f", "def f(): ..."}
	code, second, stderr := runCLI(t, replay...)
	if code != exitOK || second != first {
		t.Fatalf("replay: exit %d, stdout %q (recorded %q), stderr %s", code, second, first, stderr)
	}
	if !strings.Contains(stderr, "from cache") {
		t.Errorf("stderr %q does not say the answer came from the cache", stderr)
	}
	miss := []string{"ask", "--model", "gpt-4o-mini", "--cache", cache, "--cache-mode", "replay", "def g(): ..."}
	if code, _, stderr := runCLI(t, miss...); code == exitOK {
		t.Errorf("replay miss succeeded: %s", stderr)
	}
}
