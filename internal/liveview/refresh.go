package liveview

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Mode is how a Refresher shows one refresh after another.
type Mode int

// The ways to show refreshes.
const (
	// Plain prints each refresh under the one before, after a blank line
	// and a line saying when: for a log or a pipe.
	Plain Mode = iota
	// Terminal redraws the screen from its top with each refresh.
	Terminal
	// JSONLines writes each refresh as one JSON document on one line.
	JSONLines
)

// Refresher shows a document again and again: `bake status --watch`.
type Refresher struct {
	Out    io.Writer
	Mode   Mode
	Title  string        // what is shown: "bake status"
	Every  time.Duration // how often, for the header
	Colour bool
	Now    func() time.Time // nil is time.Now
	shown  int
}

// Show writes one refresh: doc as a JSON line, or what text writes.
func (r *Refresher) Show(doc any, text func(w io.Writer) error) error {
	defer func() { r.shown++ }()
	if r.Mode == JSONLines {
		// Encode writes one line: no indentation, so each line is a document.
		return json.NewEncoder(r.Out).Encode(doc)
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	var b bytes.Buffer
	when := now().Local().Format("2006-01-02 15:04:05")
	switch r.Mode {
	case Terminal:
		// Home, clear the screen, then the whole refresh in one write, so
		// the screen is never half drawn.
		b.WriteString("\x1b[H\x1b[2J")
		header := fmt.Sprintf("%s every %s at %s; Ctrl-C to stop", r.Title, r.Every, when)
		b.WriteString(newPalette(r.Colour).faint.Sprint(header) + "\n\n")
	default:
		if r.shown > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s at %s\n", r.Title, when)
	}
	if err := text(&b); err != nil {
		return err
	}
	_, err := r.Out.Write(b.Bytes())
	return err
}

// Run calls refresh now and then every interval until ctx is done, which
// is how a watch is meant to end (Ctrl-C): that returns nil. An error of
// the first refresh ends the watch (bad input stays bad input); a later
// one is passed to warn, and the watch goes on.
func Run(ctx context.Context, interval time.Duration, refresh func(context.Context) error, warn func(error)) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for first := true; ; first = false {
		err := refresh(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			if first {
				return err
			}
			warn(err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
