package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Page is one file loaded in a tab of its own. Its methods may be called
// from several goroutines, but its actions (Eval, Screenshot) run in the
// one tab, one after another.
type Page struct {
	url string
	// tab carries chromedp's handle on the tab (see Browser.ctx).
	tab    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	errors []string
}

// settleJS resolves after the next frame and one task more.
const settleJS = `new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))`

// Load opens the file at path in a new tab and waits for its load event
// (images and style sheets loaded or failed), then for one frame and one
// task more, so that errors of onload handlers and unhandled promise
// rejections are in Errors when it returns; later ones are added as they
// come. ctx bounds the load only.
func (b *Browser) Load(ctx context.Context, path string) (*Page, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	p := &Page{url: (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()}
	p.tab, p.cancel = chromedp.NewContext(b.ctx, chromedp.WithListener(p.record))

	// The first run opens the tab, which lives until Close; a ctx that
	// ends first closes it.
	stop := context.AfterFunc(ctx, p.cancel)
	err = chromedp.Do(p.tab,
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
				Width: WindowWidth, Height: WindowHeight, DeviceScaleFactor: 1,
			})
			return err
		}),
		chromedp.Navigate(p.url),
		// One frame and one task after the load event: errors of onload
		// handlers and unhandled rejections (reported from a task of
		// their own) arrive before this returns.
		chromedp.Evaluate[chromedp.Void](settleJS, chromedp.EvalAwaitPromise),
	)
	if !stop() {
		err = fmt.Errorf("%w (%w)", context.Cause(ctx), err)
	}
	if err != nil {
		_ = p.Close() // the load's error says more
		return nil, fmt.Errorf("load %s: %w", p.url, err)
	}
	return p, nil
}

// URL returns the page's file: URL.
func (p *Page) URL() string { return p.url }

// Errors returns what the page reported as errors so far, in order (see
// the package documentation), one line each: "console.error: boom",
// "exception: Uncaught Error: x", "log.error: Failed to load resource: ...
// (URL)", "request: GET http://... (Image)".
func (p *Page) Errors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.errors...)
}

// Eval evaluates the JavaScript expression js in the page and decodes its
// value, as JSON, into out (nil: the value is dropped). An exception is an
// error; a promise is awaited.
func (p *Page) Eval(ctx context.Context, js string, out any) error {
	cctx, cancel := within(p.tab, ctx)
	defer cancel()
	raw, err := chromedp.Run(cctx, chromedp.Evaluate[[]byte](js, chromedp.EvalAwaitPromise))
	if err != nil {
		return fmt.Errorf("eval %.60q: %w", js, err)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("eval %.60q: decode %s: %w", js, raw, err)
	}
	return nil
}

// Screenshot writes a PNG of the whole page (beyond the window's height,
// WindowWidth pixels wide) to file.
func (p *Page) Screenshot(ctx context.Context, file string) error {
	cctx, cancel := within(p.tab, ctx)
	defer cancel()
	png, err := chromedp.Run(cctx, chromedp.FullScreenshot(100))
	if err != nil {
		return fmt.Errorf("screenshot %s: %w", p.url, err)
	}
	if err := os.WriteFile(file, png, 0o644); err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	return nil
}

// Close closes the tab.
func (p *Page) Close() error {
	ctx, cancel := context.WithTimeout(p.tab, closeTimeout)
	defer cancel()
	err := chromedp.Cancel(ctx)
	p.cancel()
	if err != nil {
		return fmt.Errorf("close page %s: %w", p.url, err)
	}
	return nil
}

// record notes an event of the tab that counts as an error. chromedp calls
// it on the goroutine that reads the tab's messages: it must be quick.
func (p *Page) record(ev any) {
	var line string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		switch ev.Type {
		case runtime.ConsoleAPICalledTypeError, runtime.ConsoleAPICalledTypeWarning, runtime.ConsoleAPICalledTypeAssert:
			line = "console." + string(ev.Type) + ": " + consoleText(ev.Args)
		}
	case *runtime.EventExceptionThrown:
		line = "exception: " + exceptionText(ev.ExceptionDetails)
	case *log.EventEntryAdded:
		switch e := ev.Entry; e.Level {
		case log.EntryLevelError, log.EntryLevelWarning:
			line = "log." + string(e.Level) + ": " + e.Text
			if e.URL != "" {
				line += " (" + e.URL + ")"
			}
		}
	case *network.EventRequestWillBeSent:
		if r := ev.Request; r != nil && !local(r.URL) {
			line = "request: " + r.Method + " " + r.URL + " (" + string(ev.Type) + ")"
		}
	}
	if line == "" {
		return
	}
	p.mu.Lock()
	p.errors = append(p.errors, line)
	p.mu.Unlock()
}

// local reports whether a request for u stays in the machine without the
// network.
func local(u string) bool {
	scheme, _, _ := strings.Cut(u, ":")
	switch strings.ToLower(scheme) {
	case "file", "data", "blob", "about":
		return true
	}
	return false
}

// consoleText joins a console call's arguments as the console shows them,
// roughly: strings as they are, other values by their description.
func consoleText(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		switch {
		case a.Type == runtime.RemoteObjectTypeString:
			var s string
			if json.Unmarshal(a.Value, &s) == nil {
				parts = append(parts, s)
				continue
			}
		case a.Description != "":
			parts = append(parts, a.Description)
			continue
		}
		parts = append(parts, string(a.Value))
	}
	return strings.Join(parts, " ")
}

// exceptionText is "Uncaught Error: msg" for a thrown Error: the
// exception's text and the first line of its description.
func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return "(no details)"
	}
	text := d.Text
	if o := d.Exception; o != nil && o.Description != "" {
		first, _, _ := strings.Cut(o.Description, "\n")
		text += " " + first
	}
	if d.URL != "" {
		text += fmt.Sprintf(" (%s:%d)", d.URL, d.LineNumber+1)
	}
	return text
}
