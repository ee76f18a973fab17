package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/bakehq/bake/internal/liveview"
	"github.com/bakehq/bake/internal/status"
)

// checkWatchFlags refuses the status flags that do not go together.
func checkWatchFlags(o *statusOptions, intervalSet bool) error {
	switch {
	case o.watch && o.check:
		return &usageError{"status: --watch and --check: give one (--check exits with what it found; --watch runs until Ctrl-C)"}
	case intervalSet && !o.watch:
		return &usageError{fmt.Sprintf("status: --interval %s without --watch: add --watch to refresh", o.interval)}
	case o.interval < time.Second:
		return &usageError{fmt.Sprintf("status: --interval %s: give at least 1s", o.interval)}
	}
	return nil
}

// watchStatus shows the matrix again every interval until Ctrl-C, which
// ends it with exit 0: redrawn in place on a terminal, one refresh under
// the other elsewhere, one JSON document per line with --output json.
func watchStatus(ctx context.Context, o *statusOptions) error {
	f := o.f
	mode := liveview.Plain
	switch {
	case f.JSON():
		mode = liveview.JSONLines
	case f.Terminal && os.Getenv("TERM") != "dumb":
		mode = liveview.Terminal
	}
	title := "bake status"
	if o.image != "" {
		title += " " + o.image
	}
	r := &liveview.Refresher{Out: f.Out, Mode: mode, Title: title, Every: o.interval,
		Colour: f.Terminal && os.Getenv("NO_COLOR") == ""}
	return liveview.Run(ctx, o.interval, func(ctx context.Context) error {
		res, err := composeStatus(ctx, o)
		if err != nil {
			return err
		}
		images := res.Images
		if images == nil {
			images = []status.Image{}
		}
		// The same document as `bake status -o json`, schema and all.
		doc, err := document(SchemaStatus, statusResult{Images: images})
		if err != nil {
			return err
		}
		return r.Show(json.RawMessage(doc), func(w io.Writer) error {
			warn := f.Err
			if mode == liveview.Terminal {
				warn = w // on the screen it redraws, not under it
			}
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			printStatus(tw, warn, images)
			return tw.Flush()
		})
	}, func(err error) {
		fmt.Fprintf(f.Err, "warning: refreshing status: %v; trying again in %s\n", err, o.interval)
	})
}
