// Package progress writes the progress lines of a deployment and marks the
// ones that report one of its steps (started, healthy, canary, analysis,
// switched, watch, draining, retired), so the live view and the JSON events know the step
// without reading the words: a line can be reworded freely.
//
// A writer that wants the marks implements StepWriter; to any other
// writer a step is the plain line it always was.
package progress

import (
	"fmt"
	"io"
	"time"
)

// Kind is one step of a deployment, in the order a deployment goes through them.
type Kind int

// The steps of a deployment.
const (
	Started  Kind = iota // new replicas or instances started (or warm ones reused)
	Healthy              // they passed the health check
	Canary               // a canary's step changed: the share of requests it gets, or held
	Analysis             // a canary's analysis compared it with the release it would replace
	Switched             // the front door or target groups send traffic to them
	Watch                // the health watch after the switch
	Draining             // requests to the replaced release finish
	Retired              // the replaced release stopped, kept or removed
)

var kindNames = [...]string{"started", "healthy", "canary", "analysis", "switched", "watch", "draining", "retired"}

func (k Kind) String() string { return kindNames[k] }

// Step is what one line says about a step. Most steps are one line or
// several alike; a watch and a drain take a while, so a line Begins them
// and a later line of the same kind ends them.
type Step struct {
	Kind   Kind
	Begins bool          // the step is under way until the next line of its kind
	Failed bool          // the step ended badly (a failed watch, a drain cut short)
	Period time.Duration // Watch or Canary, when it Begins: how long the watch or the step lasts
	What   string        // Watch or Canary, when it Begins: the release watched, "svc@1.1.0"
}

// StepWriter takes progress lines with the step they report. line has no
// newline.
type StepWriter interface {
	WriteStep(s Step, line string) error
}

// Say writes one plain progress line to w; a nil w writes nothing.
func Say(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format+"\n", args...)
	}
}

// Mark writes one progress line that reports s: with its step to a
// StepWriter, as the plain line to any other writer.
func Mark(w io.Writer, s Step, format string, args ...any) {
	if sw, ok := w.(StepWriter); ok {
		_ = sw.WriteStep(s, fmt.Sprintf(format, args...))
		return
	}
	Say(w, format, args...)
}

// Stepf writes a line that reports a step of kind k.
func Stepf(w io.Writer, k Kind, format string, args ...any) {
	Mark(w, Step{Kind: k}, format, args...)
}
