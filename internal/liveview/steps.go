// Package liveview shows a deployment on a terminal as one line per step
// (started, healthy, canary, analysis, switched, watch, draining, retired),
// each updated in place with its elapsed time, the health watch and a
// canary's step as a countdown, and a final
// summary line; and refreshes a document in place until interrupted.
//
// The promotion engine and the targets mark the lines that report a step
// (package progress); the view takes the step from the mark, never from
// the words, so rewording a line cannot break it. Every line, marked or
// not, is the same text the plain output prints. No line is matched by its
// text: a line that is no step (what is promoted, copies, warnings,
// recovery) arrives unmarked and is printed above the frame.
package liveview

import (
	"io"
	"slices"

	"github.com/bakehq/bake/internal/progress"
)

// The steps, in the order a deployment goes through them.
const (
	Started  = progress.Started
	Healthy  = progress.Healthy
	Canary   = progress.Canary
	Analysis = progress.Analysis
	Switched = progress.Switched
	Watch    = progress.Watch
	Draining = progress.Draining
	Retired  = progress.Retired
)

var _ progress.StepWriter = (*View)(nil)

// WriteStep takes a line that reports a step. A line that says a step
// failed is printed above the frame too, as it says why.
func (v *View) WriteStep(s progress.Step, line string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.finished {
		_, err := io.WriteString(v.out, line+"\n")
		return err
	}
	var above []string
	if !v.take(s, line) {
		above = append(above, line)
	}
	return v.redraw(above)
}

// take applies a marked line to its step; false when the line goes above
// the frame instead (a failure, which the step's own line then shows).
func (v *View) take(ev progress.Step, line string) bool {
	now := v.o.Now()
	s := v.find(ev.Kind)
	if ev.Failed {
		if s != nil && s.running {
			s.failed, s.running, s.end = true, false, now
		}
		return false
	}
	if s == nil {
		s = &step{kind: ev.Kind, begin: v.last}
		v.steps = append(v.steps, s)
		slices.SortFunc(v.steps, func(a, b *step) int { return int(a.kind) - int(b.kind) })
	}
	s.text, s.end = line, now
	switch {
	case ev.Begins && ev.Kind == Canary: // a canary's next step: its time counts from its first
		s.period, s.what, s.failed, s.count = ev.Period, ev.What, false, 1
		s.running = true
	case ev.Begins && ev.Kind == Watch: // a watch (again, after a switch back) starts now
		s.begin, s.period, s.what, s.failed, s.count = now, ev.Period, ev.What, false, 1
		s.running = true
	case ev.Begins:
		s.running = true
	case s.running && ev.Kind == Watch: // the watch passed
		s.running = false
	default:
		s.running = false
		s.count++
	}
	v.last = now
	return true
}
