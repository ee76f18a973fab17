package analysis

import (
	"slices"
	"strings"
)

// Combine joins the results of several analyses of the same window (the
// front door's comparison, the Prometheus queries) into one: any Fail
// fails, else any Inconclusive is inconclusive, else it passes. The reason
// names what decided it; the measurements are all of them, in order.
// Nothing to combine is Inconclusive: no analysis is no evidence.
func Combine(results ...Result) Result {
	if len(results) == 0 {
		return Result{Verdict: Inconclusive, Reason: "nothing was analysed"}
	}
	out := Result{Verdict: Pass}
	for _, r := range results {
		out.Measurements = append(out.Measurements, r.Measurements...)
		switch {
		case r.Verdict == Fail:
			out.Verdict = Fail
		case r.Verdict == Inconclusive && out.Verdict == Pass:
			out.Verdict = Inconclusive
		}
	}
	var reasons, advice []string
	for _, r := range results {
		if r.Verdict == out.Verdict && r.Reason != "" {
			reasons = append(reasons, r.Reason)
		}
		if r.Verdict == out.Verdict && r.Advice != "" && !slices.Contains(advice, r.Advice) {
			advice = append(advice, r.Advice)
		}
	}
	out.Reason = strings.Join(reasons, "; ")
	out.Advice = strings.Join(advice, "; ")
	return out
}
