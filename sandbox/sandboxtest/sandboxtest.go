// Package sandboxtest helps tests that need a real sandbox: it builds the
// static runner binary once and opens a Sandbox, skipping the test with a
// clear message when no Docker daemon answers, unless running in CI (CI
// set), where the daemon is part of the setup and its absence fails.
package sandboxtest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/codetree/codetree/sandbox"
)

var (
	buildOnce sync.Once
	buildPath string
	buildErr  error
)

// RunnerBinary returns a static codetree binary to serve as the runner:
// $CODETREE_RUNNER when set (make test sets it), otherwise one built once
// per test process with CGO_ENABLED=0.
func RunnerBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("CODETREE_RUNNER"); p != "" {
		return p
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "codetree-runner-")
		if err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(dir, "codetree")
		cmd := exec.Command("go", "build", "-o", buildPath, "github.com/codetree/codetree/cmd/codetree")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = errors.New("build runner binary: " + err.Error() + ": " + string(out))
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

// EnvRuntime names the environment variable that runs the tests' sandboxes
// under another OCI runtime: CODETREE_TEST_RUNTIME=runsc runs them under
// gVisor (make test does, for the hostile suite). Empty: Docker's default.
const EnvRuntime = "CODETREE_TEST_RUNTIME"

// Runtime is the OCI runtime the tests' sandboxes use ($CODETREE_TEST_RUNTIME).
func Runtime() string { return os.Getenv(EnvRuntime) }

// New opens a Sandbox with cfg (RunnerBinary filled in, and Runtime from
// $CODETREE_TEST_RUNTIME unless set) and closes it when the test ends,
// checking that Close removed every container. A runtime the daemon lacks
// fails the test: it was asked for.
func New(t testing.TB, cfg sandbox.Config) *sandbox.Sandbox {
	t.Helper()
	if cfg.RunnerBinary == "" {
		cfg.RunnerBinary = RunnerBinary(t)
	}
	if cfg.Runtime == "" {
		cfg.Runtime = Runtime()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sb, err := sandbox.New(ctx, cfg)
	if errors.Is(err, sandbox.ErrDaemonUnreachable) {
		Unavailable(t, err)
	}
	if err != nil {
		t.Fatalf("open sandbox: %v", err)
	}
	t.Cleanup(func() {
		if err := sb.Close(context.Background()); err != nil {
			t.Errorf("close sandbox: %v", err)
		}
	})
	return sb
}

// Unavailable skips the test outside CI and fails it in CI.
func Unavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("Docker is required in CI: %v", err)
	}
	t.Skipf("no Docker daemon (run `make docker`, or set CI=1 to make this a failure): %v", err)
}

// Run runs req and fails the test on a harness error, also skipping (or
// failing in CI) when the image is missing.
func Run(t testing.TB, sb *sandbox.Sandbox, req sandbox.Request) sandbox.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := sb.Run(ctx, req)
	var ie *sandbox.ImageError
	if errors.As(err, &ie) {
		Unavailable(t, err)
	}
	if err != nil {
		t.Fatalf("sandbox run %v: %v", req.Command, err)
	}
	return res
}
