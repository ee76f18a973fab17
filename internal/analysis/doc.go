// Package analysis decides whether a canary may go on: it compares what the
// canary served with what the baseline (the release it would replace)
// served over the same time, with statistical tests and the thresholds of
// bake.yaml, or reads the values of Prometheus queries, and returns a
// verdict with the measurements that led to it.
package analysis

import (
	"time"

	"github.com/bakehq/bake/internal/ledger"
)

// Sample is what one release served during a window, as the front door saw it.
type Sample struct {
	Requests  int             // responses counted
	Errors    int             // of which 5xx
	Latencies []time.Duration // one per response, from the front door
}

// Verdict is the outcome of one analysis.
type Verdict int

const (
	// Inconclusive: too few requests yet to judge.
	Inconclusive Verdict = iota
	// Pass: every measurement is within its limit.
	Pass
	// Fail: a measurement is beyond its limit with the required confidence.
	Fail
)

// Result is a verdict and the measurements that led to it.
type Result struct {
	Verdict      Verdict
	Measurements []ledger.Measurement
	// Reason says in one line why the verdict is what it is, naming the
	// failed measurements' values for a failure.
	Reason string
	// Advice says what would let an Inconclusive analysis decide, fitting
	// its cause (more requests, a query that answers, a Prometheus that
	// runs); "" when there is nothing to advise.
	Advice string
}
