package sandbox_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/codetree/codetree/sandbox"
	"github.com/codetree/codetree/sandbox/sandboxtest"
)

// TestCancelMidRun: cancelling a run (Ctrl-C) returns promptly with the
// context's error, and Close leaves no container behind.
func TestCancelMidRun(t *testing.T) {
	if testing.Short() {
		t.Skip("Docker integration test")
	}
	for _, mode := range []sandbox.Mode{sandbox.ModePool, sandbox.ModeFresh} {
		t.Run(mode.String(), func(t *testing.T) {
			sb := sandboxtest.New(t, sandbox.Config{Mode: mode})
			sandboxtest.Run(t, sb, sandbox.Request{Lang: sandbox.LangPython, Command: []string{"true"}})
			ctx, cancel := context.WithCancel(t.Context())
			var (
				res sandbox.Result
				err error
				wg  sync.WaitGroup
			)
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err = sb.Run(ctx, sandbox.Request{
					Lang: sandbox.LangPython, Command: []string{"sleep", "600"},
					Limits: sandbox.Limits{Timeout: 10 * time.Minute},
				})
			}()
			sandboxtest.WaitContainers(t, sb.Owner())
			cancel()
			wg.Wait()
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled run: %v, %+v; want context.Canceled", err, res)
			}
			if err := sb.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			if left := sandboxtest.Containers(t, sb.Owner()); len(left) != 0 {
				t.Errorf("containers left after Close: %v", left)
			}
		})
	}
}

// TestImageChecks: a missing image, or one without the command a job
// needs, is an error that says what to do, not a verdict.
func TestImageChecks(t *testing.T) {
	if testing.Short() {
		t.Skip("Docker integration test")
	}
	sb := sandboxtest.New(t, sandbox.Config{})
	ctx := t.Context()

	_, err := sb.Run(ctx, sandbox.Request{Lang: sandbox.LangPython, Image: "codetree-no-such-image:1", Command: []string{"true"}})
	var ie *sandbox.ImageError
	if !errors.As(err, &ie) || len(ie.Missing) != 0 {
		t.Fatalf("missing image: %v, want an ImageError", err)
	}
	if !strings.Contains(err.Error(), "docker pull") {
		t.Errorf("missing image error %q does not say how to get it", err)
	}

	goImage, err := sandbox.DefaultImage(sandbox.LangGo)
	if err != nil {
		t.Fatal(err)
	}
	// The Go image has no python3.
	_, err = sb.Run(ctx, sandbox.Request{Lang: sandbox.LangPython, Image: goImage, Command: []string{"python3", "-c", "pass"}})
	if errors.As(err, &ie) && len(ie.Missing) == 0 {
		sandboxtest.Unavailable(t, err) // the Go image itself is not built
	}
	if !errors.As(err, &ie) || !strings.Contains(strings.Join(ie.Missing, " "), "python3") {
		t.Fatalf("image without python3: %v, want an ImageError naming python3", err)
	}
}

// TestConcurrentRunsIsolated: runs in parallel on one pool neither see
// nor disturb each other's files.
func TestConcurrentRunsIsolated(t *testing.T) {
	if testing.Short() {
		t.Skip("Docker integration test")
	}
	sb := sandboxtest.New(t, sandbox.Config{PoolSize: 2})
	const prog = `import os, sys, time
me = sys.argv[1]
open("mine.txt", "w").write(me)
time.sleep(0.05)
assert open("mine.txt").read() == me
others = [d for d in os.listdir("/tmp") if d != os.path.basename(os.getcwd())]
assert not others, others
print(me)
`
	var wg sync.WaitGroup
	results := make([]sandbox.Result, 12)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = sandboxtest.Run(t, sb, sandbox.PythonProgram(map[string][]byte{"p.py": []byte(prog)}, "p.py", string(rune('a'+i))))
		}()
	}
	wg.Wait()
	for i, r := range results {
		want := string(rune('a'+i)) + "\n"
		if r.Status != sandbox.StatusPassed || r.Stdout != want {
			t.Errorf("run %d: %s stdout %q, want passed %q (stderr %s)", i, r.Status, r.Stdout, want, r.Stderr)
		}
	}
}
