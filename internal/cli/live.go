package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/bakehq/bake/internal/liveview"
)

// colour reports whether stderr may be coloured: a terminal, no NO_COLOR
// (https://no-color.org: set to anything), no --output json.
func (f *Factory) colour() bool {
	return f.ErrTerminal && os.Getenv("NO_COLOR") == "" && !f.JSON() && os.Getenv("TERM") != "dumb"
}

// liveProgress makes the progress of a promote, rollback or recover a live
// view on a terminal (one line per step, redrawn in place) until finish is
// called with the command's error. Elsewhere, or with --output json, the
// progress stays the plain lines or JSON lines it was. Call it before the
// engine is built, which keeps the progress writer it is given.
func (f *Factory) liveProgress(ctx context.Context, title string) (finish func(error)) {
	if !f.ErrTerminal || f.JSON() || os.Getenv("TERM") == "dumb" {
		return func(error) {}
	}
	v := liveview.New(f.Err, liveview.Options{Title: title, Colour: f.colour(), Width: stderrWidth,
		Tick: 100 * time.Millisecond})
	f.progress = v
	return func(err error) {
		if err != nil && ctx.Err() != nil && !errors.Is(err, context.Canceled) {
			// Ctrl-C: whatever the operation made of it, the summary says interrupted.
			err = fmt.Errorf("%w: %w", context.Canceled, err)
		}
		v.Finish(err)
	}
}

// stderrWidth is the terminal's width now (it may be resized while bake runs).
func stderrWidth() int {
	w, _, err := term.GetSize(int(os.Stderr.Fd()))
	if err != nil {
		return 0
	}
	return w
}
