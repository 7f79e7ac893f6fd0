// Package browser loads local HTML pages (codetree's reports) in a real
// headless Chromium, driven over the DevTools protocol with chromedp, so
// that tests can check what a browser makes of them.
//
// One [Browser] is one Chromium process: headless, no GPU, a fixed window
// of [WindowWidth] x [WindowHeight] CSS pixels at a device scale of 1, and
// no network: every http(s) and ws(s) request goes to a proxy that refuses
// connections, so a page that reaches out fails fast and never leaks. As
// root (a container, CI) it runs with --no-sandbox. [Browser.Load] opens a
// file in a tab of its own.
//
// What counts as an error of a page ([Page.Errors]), from the moment its
// tab opens until [Page.Close]:
//
//   - a console message of level error or warning, or a failed
//     console.assert ("console.error: ...");
//   - an exception nothing caught, an unhandled promise rejection included
//     ("exception: ...");
//   - a browser log entry of level error or warning: a resource that failed
//     to load, a Content-Security-Policy violation ("log.error: ...");
//   - any request whose URL is not file:, data:, blob: or about: ("request:
//     GET URL (Image)"): a self-contained page makes none.
//
// Messages of other levels (console.log, info, debug) are not errors.
//
// [Find] locates the executable: $CHROMIUM, else chromium, chromium-browser
// or google-chrome on PATH. When there is none its error says to run `make
// chromium` (scripts/chromium-up.sh), which installs Debian's chromium.
// Tests get a shared browser from the browsertest package.
package browser
