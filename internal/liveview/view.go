package liveview

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/bakehq/bake/internal/progress"
)

// Options shape a View.
type Options struct {
	// Title names the operation in the status and summary lines:
	// `promote svc@1.1.0 to "dev"`.
	Title string
	// Colour marks steps green, yellow or red; only for a terminal without NO_COLOR.
	Colour bool
	// Width is the terminal's width in columns now; nil or 0 means 100.
	// Lines of the frame are cut to it: a wrapped line would break the
	// redraw, which moves the cursor up one line per line drawn.
	Width func() int
	// Tick is how often the elapsed times and the countdown are redrawn
	// while no progress line arrives; 0 redraws only on lines (tests).
	Tick time.Duration
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// View is an io.Writer for progress lines that keeps a frame of one line
// per step at the bottom of a terminal, redrawn in place; the lines that
// are no step are printed above it and stay.
type View struct {
	mu       sync.Mutex
	out      io.Writer
	o        Options
	paint    palette
	start    time.Time
	last     time.Time // when the last step line arrived
	steps    []*step   // the steps seen, in Kind order
	drawn    int       // lines of the frame on the terminal now
	buf      []byte
	spin     int
	finished bool
	stop     chan struct{}
}

// step is one line of the frame.
type step struct {
	kind    progress.Kind
	begin   time.Time // when the line before its first one arrived
	end     time.Time // its last line
	count   int       // the lines that reported it done
	text    string    // its last line
	period  time.Duration
	what    string // Watch: what is watched
	running bool   // a line began it and none ended it yet
	failed  bool
	cut     bool // interrupted while running
}

// New starts a view writing to out, a terminal.
func New(out io.Writer, o Options) *View {
	if o.Now == nil {
		o.Now = time.Now
	}
	v := &View{out: out, o: o, paint: newPalette(o.Colour), stop: make(chan struct{})}
	v.start = o.Now()
	v.last = v.start
	if o.Tick > 0 {
		go v.tick()
	}
	return v
}

func (v *View) tick() {
	t := time.NewTicker(v.o.Tick)
	defer t.Stop()
	for {
		select {
		case <-v.stop:
			return
		case <-t.C:
			v.mu.Lock()
			if !v.finished && len(v.steps) > 0 {
				v.spin++
				v.redraw(nil)
			}
			v.mu.Unlock()
		}
	}
}

// Write takes the progress lines that are no step (a step comes through
// WriteStep) and prints them above the frame. After Finish lines pass
// through as they are.
func (v *View) Write(b []byte) (int, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.buf = append(v.buf, b...)
	var above []string
	for {
		i := bytes.IndexByte(v.buf, '\n')
		if i < 0 {
			break
		}
		above = append(above, strings.TrimRight(string(v.buf[:i]), "\r"))
		v.buf = v.buf[i+1:]
	}
	if v.finished {
		if len(above) == 0 {
			return len(b), nil
		}
		_, err := io.WriteString(v.out, strings.Join(above, "\n")+"\n")
		return len(b), err
	}
	return len(b), v.redraw(above)
}

func (v *View) find(k progress.Kind) *step {
	for _, s := range v.steps {
		if s.kind == k {
			return s
		}
	}
	return nil
}

// Finish draws the final frame and the summary line: done, failed (err) or
// interrupted. Lines written after it pass through.
func (v *View) Finish(err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.finished {
		return
	}
	v.finished = true
	close(v.stop)
	if len(v.steps) == 0 {
		// Nothing was deployed (it already ran, or it was refused): the
		// command's own line says so.
		return
	}
	now := v.o.Now()
	interrupted := errors.Is(err, context.Canceled)
	for _, s := range v.steps {
		if s.running {
			s.running, s.end, s.failed, s.cut = false, now, err != nil && !interrupted, interrupted
		}
	}
	elapsed := formatElapsed(now.Sub(v.start))
	var summary string
	switch {
	case err == nil:
		summary = v.paint.ok.Sprint("✓") + " " + v.o.Title + ": done in " + elapsed
	case interrupted:
		summary = v.paint.warn.Sprint("!") + " " + v.o.Title + ": interrupted after " + elapsed
	default:
		summary = v.paint.bad.Sprint("✗") + " " + v.o.Title + ": failed after " + elapsed
	}
	lines := v.stepLines(now)
	var b strings.Builder
	v.erase(&b)
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	b.WriteString(summary + "\n")
	v.drawn = 0
	_, _ = io.WriteString(v.out, b.String())
}

// redraw replaces the frame with the lines above, then the frame again,
// in one write so the terminal never shows half a frame.
func (v *View) redraw(above []string) error {
	if len(above) == 0 && len(v.steps) == 0 {
		return nil
	}
	var b strings.Builder
	v.erase(&b)
	for _, l := range above {
		b.WriteString(l + "\n")
	}
	frame := v.frame(v.o.Now())
	for _, l := range frame {
		b.WriteString(l + "\n")
	}
	v.drawn = len(frame)
	_, err := io.WriteString(v.out, b.String())
	return err
}

// erase moves the cursor to the frame's first line and clears to the end
// of the screen.
func (v *View) erase(b *strings.Builder) {
	if v.drawn > 0 {
		fmt.Fprintf(b, "\x1b[%dA\r\x1b[J", v.drawn)
	}
}

// frame is the step lines and the status line under them; nothing before
// the first step, so a question asked before the deployment starts stays
// undisturbed.
func (v *View) frame(now time.Time) []string {
	if len(v.steps) == 0 {
		return nil
	}
	lines := v.stepLines(now)
	status := fmt.Sprintf("%s %s", spinner[v.spin%len(spinner)], v.o.Title)
	el := formatElapsed(now.Sub(v.start))
	return append(lines, v.paint.busy.Sprint(cut(status, v.width()-len(el)-3))+"  "+v.paint.faint.Sprint(el))
}

var spinner = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}
