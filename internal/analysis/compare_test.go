package analysis

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// defaults are bake.yaml's default thresholds.
var defaults = Thresholds{MaxErrorRateIncrease: 0.01, MaxLatencyIncrease: 0.25, MinRequests: 50, Confidence: 0.95}

// service draws n responses of a service whose latencies are log-normal
// around median (spread 0.3, a long right tail like real ones) plus extra,
// each failing with probability failRate.
func service(r *rand.Rand, n int, failRate float64, median, extra time.Duration) Sample {
	s := Sample{Requests: n, Latencies: make([]time.Duration, n)}
	for i := range n {
		if r.Float64() < failRate {
			s.Errors++
		}
		s.Latencies[i] = time.Duration(float64(median)*math.Exp(0.3*r.NormFloat64())) + extra
	}
	return s
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

func TestCompareFailsFivePercentErrors(t *testing.T) {
	r := newRand(1)
	// A first step at 10%: 120 requests to the canary, 1080 to the baseline.
	canary := service(r, 120, 0, 2*time.Millisecond, 0)
	canary.Errors = 6 // exactly 5%
	baseline := service(r, 1080, 0, 2*time.Millisecond, 0)

	res := Compare(canary, baseline, defaults)
	require.Equal(t, Fail, res.Verdict, res.Reason)
	assert.Equal(t, "error rate 5.0% vs 0.0% on 120/1080 requests (max +1.0 points, p<0.001, level 0.05)", res.Reason)
	m := res.Measurements[0]
	assert.Equal(t, "error rate", m.Name)
	assert.Equal(t, "front door", m.Source)
	assert.Equal(t, "%", m.Unit)
	assert.InDelta(t, 5.0, m.Canary, 1e-9)
	assert.InDelta(t, 1.0, m.Limit, 1e-9)
	assert.Equal(t, 120, m.CanaryRequests)
	assert.Equal(t, 1080, m.BaselineRequests)
	assert.False(t, m.Passed)
	assert.True(t, res.Measurements[1].Passed, "latency is unchanged")

	for _, n := range []int{100, 200, 500} {
		canary := Sample{Requests: n, Errors: n / 20}
		baseline := Sample{Requests: 9 * n}
		assert.Equal(t, Fail, Compare(canary, baseline, defaults).Verdict, "5%% of %d", n)
	}
}

func TestCompareFailsAddedLatency(t *testing.T) {
	r := newRand(2)
	canary := service(r, 100, 0, 2*time.Millisecond, 100*time.Millisecond)
	baseline := service(r, 900, 0, 2*time.Millisecond, 0)

	res := Compare(canary, baseline, defaults)
	require.Equal(t, Fail, res.Verdict, res.Reason)
	assert.Regexp(t, `^latency p50 10\d\.\d ms vs [12]\.\d ms on 100/900 requests \(max \+25\.0%, p<0\.001, level 0\.05\)$`, res.Reason)
	p50 := res.Measurements[1]
	assert.Equal(t, "latency p50", p50.Name)
	assert.Equal(t, "ms", p50.Unit)
	assert.False(t, p50.Passed)
	assert.InDelta(t, p50.Baseline+1, p50.Limit, 1e-9, "on a 2 ms baseline the 1 ms floor is the limit")
	p95 := res.Measurements[2]
	assert.Equal(t, "latency p95", p95.Name)
	assert.True(t, p95.Passed, "p95 is reported, not gated")
	assert.True(t, p95.Reported)
	assert.Equal(t, "latency p95", p95.String()[:len("latency p95")])
	assert.NotContains(t, p95.String(), "at most")
	assert.Greater(t, p95.Canary, 100.0)
}

func TestCompareTooFewRequestsIsInconclusive(t *testing.T) {
	r := newRand(3)
	canary := service(r, 49, 0, 2*time.Millisecond, 100*time.Millisecond)
	canary.Errors = 49 // however bad, 49 responses are too few to judge
	baseline := service(r, 900, 0, 2*time.Millisecond, 0)

	res := Compare(canary, baseline, defaults)
	assert.Equal(t, Inconclusive, res.Verdict)
	assert.Equal(t, "too few requests yet: 49 to the canary, 900 to the baseline (min_requests 50 each)", res.Reason)
	assert.Contains(t, res.Advice, "min_requests")
	require.Len(t, res.Measurements, 1, "what was seen is measured, for the record")
	assert.Equal(t, "requests 49 (baseline 900, at least 50): failed", res.Measurements[0].String())

	res = Compare(baseline, service(r, 10, 0, 2*time.Millisecond, 0), defaults)
	assert.Equal(t, Inconclusive, res.Verdict, "the baseline needs min_requests too")
}

func TestCompareNoTrafficWithoutMinimumPasses(t *testing.T) {
	t0 := defaults
	t0.MinRequests = 0
	res := Compare(Sample{}, Sample{}, t0)
	assert.Equal(t, Pass, res.Verdict)
	assert.Contains(t, res.Reason, "nothing to compare")
}

// TestCompareSmallDifferencesPass: a real but small difference is
// significant with enough requests, and still passes: it is within the
// limits.
func TestCompareSmallDifferencesPass(t *testing.T) {
	r := newRand(4)
	canary := service(r, 5000, 0.015, 2100*time.Microsecond, 0)
	baseline := service(r, 20000, 0.01, 2*time.Millisecond, 0)
	res := Compare(canary, baseline, defaults)
	assert.Equal(t, Pass, res.Verdict, res.Reason)
	assert.Regexp(t, `^error rate 1\.\d% vs 1\.\d%, latency p50 2\.\d ms vs 2\.\d ms on 5000/20000 requests: within limits$`, res.Reason)
}

// TestCompareIdenticalReleasesPass draws canary and baseline from the same
// service 200 times, as 200 canaries of a good release would. Each test
// alone may flag about 5% of them at 95% confidence (the bound below is
// that rate's 99.9% binomial bound: 10 expected, sd 3.1); the effect sizes
// required beside them leave none failed.
func TestCompareIdenticalReleasesPass(t *testing.T) {
	const trials = 200
	r := newRand(5)
	var errFlagged, latFlagged, failed int
	for range trials {
		// A first step at 10% of 2000 requests, 0.1% errors on both.
		canary := service(r, 200, 0.001, 2*time.Millisecond, 0)
		baseline := service(r, 1800, 0.001, 2*time.Millisecond, 0)
		if errorRateP(canary.Errors, canary.Requests, baseline.Errors, baseline.Requests) < defaults.alpha() {
			errFlagged++
		}
		if latencyP(canary.Latencies, baseline.Latencies) < defaults.alpha() {
			latFlagged++
		}
		if res := Compare(canary, baseline, defaults); res.Verdict != Pass {
			failed++
			t.Logf("failed: %s", res.Reason)
		}
	}
	t.Logf("of %d identical pairs: error test flagged %d, latency test flagged %d, Compare failed %d",
		trials, errFlagged, latFlagged, failed)
	assert.LessOrEqual(t, errFlagged, 20)
	assert.LessOrEqual(t, latFlagged, 20)
	assert.Zero(t, failed)
}
