package sandbox

import (
	"testing"
	"time"

	"github.com/codetree/codetree/internal/runner"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	const tok = "codetree-pass-abc"
	withTok := runner.Job{Token: tok, Timeout: time.Second, OutputLimit: 1 << 20}
	noTok := runner.Job{Timeout: time.Second, OutputLimit: 1 << 20}
	tests := []struct {
		name       string
		job        runner.Job
		rep        runner.Report
		want       Status
		wantStdout string
	}{
		{"pass without token", noTok, runner.Report{Started: true, Stdout: []byte("hi\n")}, StatusPassed, "hi\n"},
		{"pass with token", withTok, runner.Report{Started: true, Stdout: []byte("hi\n\n" + tok + "\n")}, StatusPassed, "hi\n"},
		{"token only", withTok, runner.Report{Started: true, Stdout: []byte("\n" + tok + "\n")}, StatusPassed, ""},
		{"exit 0 without token", withTok, runner.Report{Started: true, Stdout: []byte("hi\n")}, StatusFailed, "hi\n"},
		{"token not last", withTok, runner.Report{Started: true, Stdout: []byte(tok + "\nmore\n")}, StatusFailed, tok + "\nmore\n"},
		{"wrong token", withTok, runner.Report{Started: true, Stdout: []byte("codetree-pass-xyz\n")}, StatusFailed, "codetree-pass-xyz\n"},
		{"non-zero exit", withTok, runner.Report{Started: true, ExitCode: 1, Stdout: []byte("\n" + tok + "\n")}, StatusFailed, "\n" + tok + "\n"},
		{"signalled", noTok, runner.Report{Started: true, ExitCode: -1, Signal: 11}, StatusRuntimeError, ""},
		{"oom", noTok, runner.Report{Started: true, ExitCode: -1, Signal: 9, OOMKilled: true}, StatusMemoryLimit, ""},
		{"oom beats timeout", noTok, runner.Report{Started: true, ExitCode: -1, Signal: 9, OOMKilled: true, TimedOut: true}, StatusMemoryLimit, ""},
		{"thrashing at the limit until the deadline", noTok, runner.Report{Started: true, ExitCode: -1, Signal: 9, MemoryExceeded: true, TimedOut: true}, StatusMemoryLimit, ""},
		{"memory at the limit, program failed", noTok, runner.Report{Started: true, ExitCode: 1, MemoryExceeded: true}, StatusMemoryLimit, ""},
		{"memory at the limit, program passed", noTok, runner.Report{Started: true, MemoryExceeded: true}, StatusPassed, ""},
		{"python MemoryError", noTok, runner.Report{Started: true, ExitCode: 1, Stderr: []byte("Traceback (most recent call last):\n  File \"bomb.py\", line 3, in <module>\nMemoryError\n")}, StatusMemoryLimit, ""},
		{"python MemoryError with message", noTok, runner.Report{Started: true, ExitCode: 1, Stderr: []byte("Traceback (most recent call last):\nMemoryError: cannot allocate\n")}, StatusMemoryLimit, ""},
		{"python MemoryError caught, other error", noTok, runner.Report{Started: true, ExitCode: 1, Stderr: []byte("MemoryError\nduring handling...\nValueError: x\n")}, StatusFailed, ""},
		{"MemoryError printed, exit 0", noTok, runner.Report{Started: true, Stderr: []byte("MemoryError\n")}, StatusPassed, ""},
		{"go out of memory on stdout", noTok, runner.Report{Started: true, ExitCode: 1, Stdout: []byte("fatal error: runtime: out of memory\n\ngoroutine 1\nFAIL\tx\t0.1s\n")}, StatusMemoryLimit, "fatal error: runtime: out of memory\n\ngoroutine 1\nFAIL\tx\t0.1s\n"},
		{"output", noTok, runner.Report{Started: true, ExitCode: -1, Signal: 9, OutputExceeded: true, StdoutTruncated: true}, StatusOutputLimit, ""},
		{"not started", noTok, runner.Report{StartError: "exec: \"nope\": not found"}, StatusRuntimeError, ""},
		{"runner failure", noTok, runner.Report{StartError: "write files", Anomaly: "tmpfs full"}, StatusInternalError, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := classify(tc.job, tc.rep)
			if got.Status != tc.want {
				t.Errorf("status %s, want %s (detail %q)", got.Status, tc.want, got.Detail)
			}
			if got.Stdout != tc.wantStdout {
				t.Errorf("stdout %q, want %q", got.Stdout, tc.wantStdout)
			}
			if tc.want != StatusPassed && tc.want != StatusFailed && got.Detail == "" {
				t.Errorf("no detail for %s", got.Status)
			}
		})
	}
}

func TestStatusText(t *testing.T) {
	t.Parallel()
	for s := StatusPassed; s <= StatusInternalError; s++ {
		b, _ := s.MarshalText()
		var back Status
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Errorf("round trip of %s gave %s, %v", s, back, err)
		}
	}
	if StatusInvalid.String() != "invalid" {
		t.Errorf("zero status prints %q", StatusInvalid)
	}
	var s Status
	if err := s.UnmarshalText([]byte("nope")); err == nil {
		t.Error("unknown status parsed")
	}
}
