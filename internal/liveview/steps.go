// Package liveview shows a deployment on a terminal as one line per step
// (started, healthy, switched, watch, draining, retired), each updated in
// place with its elapsed time, the health watch as a countdown, and a final
// summary line; and refreshes a document in place until interrupted.
//
// It reads the progress lines the promotion engine and the targets already
// write, so the plain line-by-line output stays exactly what it was and
// machines reading it are not affected.
package liveview

import (
	"regexp"
	"strings"
	"time"
)

// Kind is one step of a deployment, in the order a deployment goes through them.
type Kind int

// The steps of a deployment.
const (
	Started  Kind = iota // new replicas or instances started (or warm ones reused)
	Healthy              // they passed the health check
	Switched             // the front door or target groups send traffic to them
	Watch                // the health watch after the switch
	Draining             // requests to the replaced release finished
	Retired              // the replaced release stopped, kept or removed
)

var kindNames = [...]string{"started", "healthy", "switched", "watch", "draining", "retired"}

func (k Kind) String() string { return kindNames[k] }

// event is what one progress line says about a step.
type event struct {
	kind   Kind
	period time.Duration // Watch: how long the watch lasts, when the line starts it
	ends   bool          // Watch: the watch passed
}

var rollingStep = regexp.MustCompile(`^\d+ of \d+ replicas in traffic run `)

// classify says which step a progress line reports; ok is false for the
// lines that are no step (what is promoted, copies, warnings, recovery).
// The phrases are those of internal/promote and the targets.
func classify(line string) (ev event, ok bool) {
	has := func(s string) bool { return strings.Contains(line, s) }
	starts := func(prefixes ...string) bool {
		for _, p := range prefixes {
			if strings.HasPrefix(line, p) {
				return true
			}
		}
		return false
	}
	switch {
	case starts("warning:", "interrupted:", "promoting ", "rolling back ", "skipping ", "copied ", "wrote ", "recovered "):
		return event{}, false
	case starts("watching "):
		return event{kind: Watch, period: watchPeriod(line)}, true
	case has(" stayed healthy for "):
		return event{kind: Watch, ends: true}, true
	case starts("drained "):
		return event{kind: Draining}, true
	case starts("switched", "put ") && !has("failed"), rollingStep.MatchString(line),
		starts("took ") && has(" out of traffic"):
		return event{kind: Switched}, true
	case starts("started ", "restarted ", "created Auto Scaling group ", "scaling Auto Scaling group ",
		"putting Auto Scaling group "), starts("using ") && has("(kept warm)"):
		return event{kind: Started}, true
	case strings.HasSuffix(line, " is healthy"), has(" in service and healthy "):
		return event{kind: Healthy}, true
	case starts("stopped ", "removed ", "kept ", "scaled ", "deleted ", "took "):
		return event{kind: Retired}, true
	}
	return event{}, false
}

// watchPeriod reads the period off "watching IMAGE@VERSION ... for 40s".
func watchPeriod(line string) time.Duration {
	i := strings.LastIndex(line, " for ")
	if i < 0 {
		return 0
	}
	d, err := time.ParseDuration(strings.TrimSpace(line[i+len(" for "):]))
	if err != nil {
		return 0
	}
	return d
}

// watched names what a watch line watches: "svc@1.1.0".
func watched(line string) string {
	f := strings.Fields(strings.TrimPrefix(line, "watching "))
	if len(f) == 0 {
		return "the release"
	}
	return f[0]
}

// failedWatch reports whether a line says the health watch failed.
func failedWatch(line string) bool {
	return strings.Contains(line, "failed its health watch")
}
