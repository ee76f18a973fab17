package analysis

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
}

// alpha is the largest p-value that counts as significant.
func (t Thresholds) alpha() float64 { return 1 - t.Confidence }
