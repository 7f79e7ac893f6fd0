package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/chromedp/chromedp"
)

// The window every page is laid out in, in CSS pixels (device scale 1):
// a full-page screenshot is WindowWidth pixels wide.
const (
	WindowWidth  = 1280
	WindowHeight = 900
)

// closeTimeout bounds a graceful close of a browser or a tab.
const closeTimeout = 10 * time.Second

// EnvChromium names the environment variable that picks the Chromium (or
// Chrome) executable, a path or a name on PATH.
const EnvChromium = "CHROMIUM"

// ErrNotFound is returned by Find when no Chromium is there.
var ErrNotFound = errors.New("no Chromium found")

// names are the executables Find looks for on PATH, in order.
var names = []string{"chromium", "chromium-browser", "google-chrome"}

// Find returns the path of the Chromium to use: $CHROMIUM when set, else
// the first of chromium, chromium-browser and google-chrome on PATH. Its
// error wraps ErrNotFound and says how to install one.
func Find() (string, error) {
	const hint = "run `make chromium` (scripts/chromium-up.sh; as root on Debian it installs chromium), or set " + EnvChromium + " to a Chromium or Chrome executable"
	if exe := os.Getenv(EnvChromium); exe != "" {
		p, err := exec.LookPath(exe)
		if err != nil {
			return "", fmt.Errorf("%w: %s=%s: %v; %s", ErrNotFound, EnvChromium, exe, err, hint)
		}
		return p, nil
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w: none of %v on PATH and %s unset; %s", ErrNotFound, names, EnvChromium, hint)
}

// Browser is one headless Chromium process. Its methods may be called from
// several goroutines: each page has its own tab.
type Browser struct {
	// ctx carries chromedp's handle on the process (chromedp keys a browser
	// by context); it is not a request context and is never cancelled
	// except by Close.
	ctx         context.Context
	cancel      context.CancelFunc
	cancelAlloc context.CancelFunc
}

// Open starts Chromium at exe (see Find) and waits until it answers; ctx
// bounds the start only. Close ends the process.
func Open(ctx context.Context, exe string) (*Browser, error) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.DisableGPU,
		chromedp.WindowSize(WindowWidth, WindowHeight),
		// No network: every request (loopback included) goes to a proxy
		// on a port nothing listens on, and fails at once.
		chromedp.Flag("proxy-server", "http://127.0.0.1:1"),
		chromedp.Flag("proxy-bypass-list", "<-loopback>"),
	)
	if os.Geteuid() == 0 {
		// Chromium refuses to start as root with its sandbox on
		// ("Running as root without --no-sandbox is not supported").
		opts = append(opts, chromedp.NoSandbox)
	}
	// The process lives until Close, not until ctx ends.
	base := context.WithoutCancel(ctx)
	actx, cancelAlloc := chromedp.NewExecAllocator(base, opts...)
	bctx, cancel := chromedp.NewContext(actx)
	b := &Browser{ctx: bctx, cancel: cancel, cancelAlloc: cancelAlloc}

	// The first run starts the process; a ctx that ends first stops it.
	stop := context.AfterFunc(ctx, cancel)
	_, err := chromedp.Run(bctx, chromedp.Evaluate[string]("navigator.userAgent"))
	if !stop() {
		err = errors.Join(ctx.Err(), err)
	}
	if err != nil {
		_ = b.Close() // the start's error says more
		return nil, fmt.Errorf("start %s: %w", exe, err)
	}
	return b, nil
}

// Close ends the browser process (gracefully, else killed after
// closeTimeout) and removes its profile folder; its pages are closed with
// it.
func (b *Browser) Close() error {
	ctx, cancel := context.WithTimeout(b.ctx, closeTimeout)
	defer cancel()
	err := chromedp.Cancel(ctx)
	b.cancel()
	b.cancelAlloc()
	if err != nil {
		return fmt.Errorf("close browser: %w", err)
	}
	return nil
}

// within returns a context that carries chromedp's handle (handle) and ends
// when ctx does, for one call on a browser or tab that is already running.
func within(handle, ctx context.Context) (context.Context, context.CancelFunc) {
	cctx, cancel := context.WithCancelCause(handle)
	stop := context.AfterFunc(ctx, func() { cancel(context.Cause(ctx)) })
	return cctx, func() {
		stop()
		cancel(context.Canceled)
	}
}
