package browser_test

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/codetree/codetree/internal/browser"
	"github.com/codetree/codetree/internal/browser/browsertest"
)

func TestMain(m *testing.M) { os.Exit(browsertest.Main(m)) }

// svgPage is a self-contained page: three circles in an inline SVG taller
// than the window, no script, nothing fetched.
const svgPage = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>ok</title></head>
<body style="margin:0">
<svg xmlns="http://www.w3.org/2000/svg" width="600" height="1500">
  <circle cx="50" cy="50" r="40" fill="red"/>
  <circle cx="150" cy="700" r="40" fill="green"/>
  <circle cx="250" cy="1400" r="40" fill="blue"/>
</svg>
</body></html>`

func writePage(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "page.html")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCleanPage: a self-contained page has no errors, Eval sees its DOM,
// and Screenshot writes a PNG of the whole page, window-wide.
func TestCleanPage(t *testing.T) {
	t.Parallel()
	p := browsertest.Load(t, writePage(t, svgPage))
	if errs := p.Errors(); len(errs) != 0 {
		t.Errorf("Errors() = %q, want none", errs)
	}

	var n int
	if err := p.Eval(t.Context(), `document.querySelectorAll("svg circle").length`, &n); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("circles = %d, want 3", n)
	}
	var fills []string
	if err := p.Eval(t.Context(), `[...document.querySelectorAll("circle")].map(c => c.getAttribute("fill"))`, &fills); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(fills, ","); got != "red,green,blue" {
		t.Errorf("fills = %s, want red,green,blue", got)
	}
	if err := p.Eval(t.Context(), `nosuchname.x`, nil); err == nil || !strings.Contains(err.Error(), "nosuchname") {
		t.Errorf("Eval of a throwing expression: err = %v, want the ReferenceError", err)
	}

	file := filepath.Join(t.TempDir(), "shot.png")
	if err := p.Screenshot(t.Context(), file); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("screenshot starts with %q, want the PNG signature", data[:min(8, len(data))])
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width != browser.WindowWidth {
		t.Errorf("screenshot width = %d, want %d", cfg.Width, browser.WindowWidth)
	}
	if cfg.Height < 1500 {
		t.Errorf("screenshot height = %d, want the whole page (>= 1500, the window is %d)", cfg.Height, browser.WindowHeight)
	}
}

// TestPageErrors: each way a page can go wrong is recorded, and only it.
func TestPageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		body         string
		prefix, part string // an error starts with prefix and contains part
		not          string // no error contains it
	}{
		{
			name:   "console.error",
			body:   `<script>console.log("fine"); console.info("fine"); console.error("boom")</script>`,
			prefix: "console.error: ", part: "boom", not: "fine",
		},
		{
			name:   "console.warn",
			body:   `<script>console.warn("careful", 42)</script>`,
			prefix: "console.warning: ", part: "careful 42",
		},
		{
			name:   "exception",
			body:   `<script>throw new Error("kaput")</script>`,
			prefix: "exception: ", part: "Uncaught Error: kaput",
		},
		{
			name:   "rejection",
			body:   `<script>Promise.reject(new TypeError("nope"))</script>`,
			prefix: "exception: ", part: "nope",
		},
		{
			name:   "onload handler",
			body:   `<script>addEventListener("load", () => requestAnimationFrame(() => console.error("late")))</script>`,
			prefix: "console.error: ", part: "late",
		},
		{
			name:   "network",
			body:   `<img src="http://example.com/x.png">`,
			prefix: "request: ", part: "GET http://example.com/x.png",
		},
		{
			name:   "missing local file",
			body:   `<img src="missing.png">`,
			prefix: "log.error: ", part: "missing.png",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := browsertest.Load(t, writePage(t, "<!DOCTYPE html><html><body>"+tc.body+"</body></html>"))
			errs := p.Errors()
			t.Logf("Errors() = %q", errs)
			var found bool
			for _, e := range errs {
				if strings.HasPrefix(e, tc.prefix) && strings.Contains(e, tc.part) {
					found = true
				}
				if tc.not != "" && strings.Contains(e, tc.not) {
					t.Errorf("error %q: %q is not an error", e, tc.not)
				}
			}
			if !found {
				t.Errorf("Errors() = %q, want one starting %q containing %q", errs, tc.prefix, tc.part)
			}
		})
	}
}

// TestNetworkBlocked: a request the page makes never reaches the
// network, not even a server on loopback: it fails, and is recorded.
func TestNetworkBlocked(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "image/svg+xml")
		fmt.Fprint(w, `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>`)
	}))
	defer srv.Close()
	src := srv.URL + "/x.svg"
	p := browsertest.Load(t, writePage(t, `<!DOCTYPE html><img id="i" src="`+src+`">`))
	var state struct {
		Complete bool
		Width    int
	}
	if err := p.Eval(t.Context(), `({complete: i.complete, width: i.naturalWidth})`, &state); err != nil {
		t.Fatal(err)
	}
	if !state.Complete || state.Width != 0 {
		t.Errorf("image state = %+v, want complete and failed (width 0)", state)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the server on loopback got %d requests, want 0", n)
	}
	if errs := p.Errors(); len(errs) == 0 || !strings.HasPrefix(errs[0], "request: GET "+src) {
		t.Errorf("Errors() = %q, want the request first", errs)
	}
}

// TestFind: $CHROMIUM wins, and with nothing to find the error says what
// to run.
func TestFind(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "my-chrome")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)

	t.Setenv(browser.EnvChromium, fake)
	if got, err := browser.Find(); err != nil || got != fake {
		t.Errorf("Find() with CHROMIUM = %q, %v; want %q", got, err, fake)
	}

	for _, env := range []string{"", filepath.Join(dir, "absent")} {
		t.Setenv(browser.EnvChromium, env)
		_, err := browser.Find()
		if !errors.Is(err, browser.ErrNotFound) || !strings.Contains(err.Error(), "make chromium") {
			t.Errorf("Find() with CHROMIUM=%q: err = %v, want ErrNotFound saying to run make chromium", env, err)
		}
	}
}
