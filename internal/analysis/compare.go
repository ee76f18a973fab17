package analysis

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/bakehq/bake/internal/ledger"
)

// sourceFrontDoor names measurements taken from what the front door served.
const sourceFrontDoor = "front door"

// latencyFloor is the least median increase that can fail a canary,
// whatever MaxLatencyIncrease says: on a service answering in 2 ms, 25% is
// half a millisecond, which a replica on a busier core or a cold cache
// costs without any change in the release.
const latencyFloor = time.Millisecond

// Compare judges the canary against the baseline over the same window.
// It is Inconclusive while either side has fewer than MinRequests
// responses. It fails when the canary's 5xx rate exceeds the baseline's by
// more than MaxErrorRateIncrease and a one-sided two-proportion z-test
// finds it higher at Confidence, or when its median latency exceeds the
// baseline's by more than MaxLatencyIncrease (and by at least a
// millisecond) and a one-sided Mann-Whitney U test finds its latencies
// greater at Confidence. Both conditions are needed: the effect size keeps
// differences too small to matter from failing however many requests there
// are, the test keeps chance from failing a canary on a handful of them.
//
// Each call is one test at the level t.Look gives it. Alone (a single
// look, at 1-Confidence) it fails releases that behave alike about 0.1%
// of the time when the baseline has no errors to speak of, but up to about
// 2.5% when it already fails 0.5-1% of its requests (a couple of extra
// errors among a first step's hundred are a jump of more than a point). A
// caller that compares every few seconds over a growing window and stops
// at the first Fail looks many times, and says which look each call is
// (Look), so that the step's looks together stay within 1-Confidence. The
// measurements' Detail names the p-value and the level it was held to.
func Compare(canary, baseline Sample, t Thresholds) Result {
	if canary.Requests < t.MinRequests || baseline.Requests < t.MinRequests {
		return Result{
			Verdict: Inconclusive,
			Reason: fmt.Sprintf("too few requests yet: %d to the canary, %d to the baseline (min_requests %d each)",
				canary.Requests, baseline.Requests, t.MinRequests),
			Advice:       "give the step more time (its pause) or set analysis.min_requests lower",
			Measurements: []ledger.Measurement{tooFew(canary, baseline, t)},
		}
	}
	if canary.Requests == 0 || baseline.Requests == 0 {
		// Only with MinRequests 0: the step goes by time.
		return Result{Verdict: Pass, Reason: fmt.Sprintf(
			"nothing to compare: %d requests to the canary, %d to the baseline (min_requests 0)",
			canary.Requests, baseline.Requests)}
	}
	sizes := fmt.Sprintf("%d/%d requests", canary.Requests, baseline.Requests)
	errRate := errorRate(canary, baseline, t)
	p50, p95 := latencies(canary, baseline, t)
	res := Result{Verdict: Pass, Measurements: []ledger.Measurement{errRate, p50, p95}}

	var failed []string
	if !errRate.Passed {
		failed = append(failed, fmt.Sprintf("error rate %s vs %s on %s (max +%s points, %s)",
			percent(errRate.Canary), percent(errRate.Baseline), sizes,
			strconv.FormatFloat(t.MaxErrorRateIncrease*100, 'f', 1, 64), errRate.Detail))
	}
	if !p50.Passed {
		failed = append(failed, fmt.Sprintf("latency p50 %s vs %s on %s (max +%s, %s)",
			millis(p50.Canary), millis(p50.Baseline), sizes,
			percent(t.MaxLatencyIncrease*100), p50.Detail))
	}
	if len(failed) > 0 {
		res.Verdict = Fail
		res.Reason = strings.Join(failed, "; ")
		return res
	}
	res.Reason = fmt.Sprintf("error rate %s vs %s, latency p50 %s vs %s on %s: within limits",
		percent(errRate.Canary), percent(errRate.Baseline), millis(p50.Canary), millis(p50.Baseline), sizes)
	return res
}

// tooFew measures the sample sizes that were too small to judge, so that a
// record of an unjudged step (a canary continued with --unjudged, or
// aborted at the end of its pause) says what was seen rather than nothing.
func tooFew(canary, baseline Sample, t Thresholds) ledger.Measurement {
	return ledger.Measurement{
		Name: "requests", Source: sourceFrontDoor,
		Canary: float64(canary.Requests), Baseline: float64(baseline.Requests), Limit: float64(t.MinRequests), Min: true,
		CanaryRequests: canary.Requests, BaselineRequests: baseline.Requests,
		Detail: "too few to judge",
	}
}

// errorRate measures the 5xx rates, in percent.
func errorRate(canary, baseline Sample, t Thresholds) ledger.Measurement {
	c := float64(canary.Errors) / float64(canary.Requests)
	b := float64(baseline.Errors) / float64(baseline.Requests)
	p := errorRateP(canary.Errors, canary.Requests, baseline.Errors, baseline.Requests)
	tooHigh := c-b > t.MaxErrorRateIncrease
	return ledger.Measurement{
		Name: "error rate", Source: sourceFrontDoor, Unit: "%",
		Canary: c * 100, Baseline: b * 100, Limit: (b + t.MaxErrorRateIncrease) * 100,
		CanaryRequests: canary.Requests, BaselineRequests: baseline.Requests,
		Passed: !(tooHigh && p < t.alpha()),
		Detail: pValue(p) + ", " + t.level(),
	}
}

// latencies measures the medians (gated) and the 95th percentiles
// (reported only: a tail moves with a few slow requests, which the rank
// test over the whole distribution already weighs), in milliseconds.
func latencies(canary, baseline Sample, t Thresholds) (p50, p95 ledger.Measurement) {
	c, b := millisSorted(canary.Latencies), millisSorted(baseline.Latencies)
	p50 = ledger.Measurement{
		Name: "latency p50", Source: sourceFrontDoor, Unit: "ms",
		CanaryRequests: len(c), BaselineRequests: len(b), Passed: true,
	}
	p95 = p50
	p95.Name = "latency p95"
	p95.Reported = true
	p95.Detail = "reported, not gated"
	if len(c) == 0 || len(b) == 0 {
		p50.Detail = "no latencies measured"
		return p50, p95
	}
	p50.Canary, p50.Baseline = quantile(0.5, c), quantile(0.5, b)
	p95.Canary, p95.Baseline = quantile(0.95, c), quantile(0.95, b)
	floor := float64(latencyFloor) / float64(time.Millisecond)
	p50.Limit = p50.Baseline + max(p50.Baseline*t.MaxLatencyIncrease, floor)
	p := latencyP(canary.Latencies, baseline.Latencies)
	p50.Passed = !(p50.Canary > p50.Limit && p < t.alpha())
	p50.Detail = pValue(p) + ", " + t.level()
	return p50, p95
}

func millisSorted(ds []time.Duration) []float64 {
	ms := make([]float64, len(ds))
	for i, d := range ds {
		ms[i] = float64(d) / float64(time.Millisecond)
	}
	slices.Sort(ms)
	return ms
}

// quantile is the empirical quantile (the inverse of the empirical CDF: an
// observed value, never an interpolation) of sorted values.
func quantile(p float64, sorted []float64) float64 {
	return stat.Quantile(p, stat.Empirical, sorted, nil)
}

// pValue renders a p-value as the Detail of a measurement.
func pValue(p float64) string {
	if p < 0.001 {
		return "p<0.001"
	}
	return "p=" + strconv.FormatFloat(math.Round(p*1000)/1000, 'f', -1, 64)
}

func percent(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) + "%" }

func millis(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) + " ms" }
