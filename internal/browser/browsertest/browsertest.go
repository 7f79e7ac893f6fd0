// Package browsertest gives the tests of a package one headless Chromium,
// started on first use, and pages that close when their test ends.
//
// Under go test -short (make test-unit) a test that asks for the browser
// is skipped. A missing Chromium skips it too, with the message to run
// `make chromium`, as a missing Docker daemon skips the sandbox's tests,
// except in CI (CI set), where it fails: make test installs one first.
//
// A package whose tests use it closes the browser at the end with
//
//	func TestMain(m *testing.M) { os.Exit(browsertest.Main(m)) }
//
// (without it the process still dies with the test binary, but leaves its
// profile folder in the temporary folder).
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/codetree/codetree/internal/browser"
)

// startTimeout bounds the browser's start.
const startTimeout = time.Minute

var (
	once    sync.Once
	shared  *browser.Browser
	openErr error
)

// Browser returns the shared browser, starting it on first use.
func Browser(t testing.TB) *browser.Browser {
	t.Helper()
	if testing.Short() {
		t.Skip("headless Chromium test (-short)")
	}
	once.Do(func() {
		exe, err := browser.Find()
		if err != nil {
			openErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
		defer cancel()
		shared, openErr = browser.Open(ctx, exe)
	})
	if errors.Is(openErr, browser.ErrNotFound) && os.Getenv("CI") == "" {
		t.Skip(openErr)
	}
	if openErr != nil {
		t.Fatal(openErr)
	}
	return shared
}

// Load opens the file at path in the shared browser; the page closes when
// the test ends.
func Load(t testing.TB, path string) *browser.Page {
	t.Helper()
	b := Browser(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	p, err := b.Load(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("close page: %v", err)
		}
	})
	return p
}

// Main runs the tests, then closes the shared browser if they started it.
func Main(m *testing.M) int {
	code := m.Run()
	if shared != nil {
		if err := shared.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "browsertest:", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}
