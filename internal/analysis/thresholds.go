package analysis

import "strconv"

// Thresholds are the limits a canary is held to when it is compared with
// its baseline, as bake.yaml's analysis section sets them (config fills the
// defaults: the zero value is not a useful set of limits).
type Thresholds struct {
	// MaxErrorRateIncrease is how far the canary's 5xx rate may exceed the
	// baseline's, in points of a fraction: 0.01 allows 0.2% against 0.1%
	// up to 1.1%.
	MaxErrorRateIncrease float64
	// MaxLatencyIncrease is how far the canary's median latency may exceed
	// the baseline's, relative: 0.25 allows 2.5 ms against 2 ms.
	MaxLatencyIncrease float64
	// MinRequests is how many responses each side needs before a verdict;
	// with fewer, Compare is Inconclusive. 0 judges whatever there is.
	MinRequests int
	// Confidence is that of the one-sided tests, e.g. 0.95: a difference
	// fails only when it is that unlikely to come from chance alone.
	Confidence float64
	// Look is which of the step's analyses this is; the zero value is a
	// single look, held to 1-Confidence.
	Look Look
}

// alpha is the largest p-value that counts as significant at this look:
// 1-Confidence shared among the step's looks (see Look).
func (t Thresholds) alpha() float64 { return t.Look.level(1 - t.Confidence) }

// level says the significance level a test was held to, and at which look,
// for a measurement's detail: "level 0.0023 (look 3 of 12)".
func (t Thresholds) level() string {
	s := "level " + strconv.FormatFloat(t.alpha(), 'g', 2, 64)
	if l := t.Look.String(); l != "" {
		s += " (" + l + ")"
	}
	return s
}
