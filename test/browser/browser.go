// Package browser starts Debian's headless Chromium for the dashboard's
// tests and screenshots, reaching nothing but 127.0.0.1.
package browser

import (
	"context"
	"errors"
	"os"
	"os/exec"

	"github.com/chromedp/chromedp"
)

// ErrNoChromium means Chromium is not installed.
var ErrNoChromium = errors.New("chromium is not installed (scripts/services.sh up installs it)")

// Path is the Chromium binary: BAKE_CHROMIUM, else chromium on PATH.
func Path() (string, error) {
	if p := os.Getenv("BAKE_CHROMIUM"); p != "" {
		return p, nil
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		return "", ErrNoChromium
	}
	return p, nil
}

// New starts a headless Chromium with a window of width x height and
// returns a context that drives its first tab; cancel closes it.
func New(ctx context.Context, width, height int) (context.Context, context.CancelFunc, error) {
	path, err := Path()
	if err != nil {
		return nil, nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.WindowSize(width, height),
		// Every name resolves to nothing but localhost, and the background
		// services that would call home are off: the page is all it loads.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1"),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("hide-scrollbars", true),
	)
	if os.Geteuid() == 0 {
		// Chromium's sandbox refuses to run as root.
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	// Start the browser now, so that a missing library fails here.
	if err := chromedp.Do(bctx); err != nil {
		cancelBrowser()
		cancelAlloc()
		return nil, nil, err
	}
	return bctx, func() { cancelBrowser(); cancelAlloc() }, nil
}
