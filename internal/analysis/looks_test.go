package analysis

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// behaviour is how a simulated release serves: its 5xx rate and latencies
// (log-normal around median, plus extra; none drawn when median is 0, for
// simulations of error rates alone).
type behaviour struct {
	failRate      float64
	median, extra time.Duration
}

// draw adds n responses of b to s.
func (b behaviour) draw(r *rand.Rand, s *Sample, n int) {
	more := service(r, n, b.failRate, b.median, b.extra)
	s.Requests += n
	s.Errors += more.Errors
	if b.median > 0 {
		s.Latencies = append(s.Latencies, more.Latencies...)
	}
}

// run is a simulated canary: steps (the canary's share of requests, in
// percent) of looks analyses each, perLook requests through the front
// door between two analyses, each analysis over everything the step served
// so far, as promote's pause does.
type run struct {
	weights []int
	looks   int
	perLook int
	// spend says whether each analysis says which look it is (the looks
	// share 1-Confidence); without, every look is held to 1-Confidence.
	spend bool
}

// firstFail is the step and look (from 1) of the first failed analysis of
// a canary that behaves as canary against a baseline that behaves as
// baseline, or 0, 0 when it passes every step.
func (c run) firstFail(r *rand.Rand, canary, baseline behaviour) (step, look int) {
	for i, w := range c.weights {
		var cs, bs Sample
		for k := 1; k <= c.looks; k++ {
			n := c.perLook * w / 100
			canary.draw(r, &cs, n)
			baseline.draw(r, &bs, c.perLook-n)
			th := defaults
			if c.spend {
				th.Look = Look{N: k, Of: c.looks}
			}
			if Compare(cs, bs, th).Verdict == Fail {
				return i + 1, k
			}
		}
	}
	return 0, 0
}

// TestLooksKeepFalseAbortsWithinConfidence runs 2000 canaries of a good
// release (1% errors, as its baseline: where chance fails a good canary
// most often, a few extra errors among a first step's hundred requests
// being a jump of more than a point) through 2 steps (10%, 50%) of 10
// looks each, at 1000 requests between looks. Each look at 95% confidence
// wrongly aborts more canaries than 1 in 20 per step; sharing the 5% among
// a step's looks keeps a step's rate within it.
func TestLooksKeepFalseAbortsWithinConfidence(t *testing.T) {
	const canaries = 2000
	good := behaviour{failRate: 0.01}
	var each, shared [3]int // aborted at step 1, at step 2, in all
	for i := range canaries {
		for _, c := range []struct {
			spend   bool
			aborted *[3]int
		}{{false, &each}, {true, &shared}} {
			sim := run{weights: []int{10, 50}, looks: 10, perLook: 1000, spend: c.spend}
			// The same requests for both rules: only the levels differ.
			if step, _ := sim.firstFail(newRand(uint64(i)), good, good); step > 0 {
				c.aborted[step-1]++
				c.aborted[2]++
			}
		}
	}
	rate := func(n int) float64 { return float64(n) / canaries }
	t.Logf("good canaries wrongly aborted, of %d: every look at 95%%: %d at step 1, %d at step 2, %.1f%% in all; looks sharing 5%%: %d, %d, %.1f%%",
		canaries, each[0], each[1], 100*rate(each[2]), shared[0], shared[1], 100*rate(shared[2]))
	// Each step's rate is at most 5% by construction, 2 steps at most
	// 10%; the looks of a growing window correlate, so it is far less.
	assert.Less(t, rate(shared[0]), 0.05)
	assert.Less(t, rate(shared[1]), 0.05)
	assert.Less(t, rate(shared[2]), 0.05, "the whole canary within one step's 5%")
	assert.Less(t, shared[2], each[2], "sharing the level aborts fewer good canaries than looking at 95% every time")
}

// TestLooksStopBadReleasesEarly: with about a hundred canary requests by
// the first look (10% of 1000), a release with 5% errors against none, or
// with 100 ms added, fails at the first step's first or second look
// however strict the first looks are.
func TestLooksStopBadReleasesEarly(t *testing.T) {
	const canaries = 500
	sim := run{weights: []int{10, 50}, looks: 10, perLook: 1000, spend: true}
	base := behaviour{median: 2 * time.Millisecond}
	for _, tc := range []struct {
		name   string
		canary behaviour
	}{
		{"5% errors", behaviour{failRate: 0.05, median: 2 * time.Millisecond}},
		{"+100 ms", behaviour{median: 2 * time.Millisecond, extra: 100 * time.Millisecond}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var atLook [11]int
			late := 0
			for i := range canaries {
				step, look := sim.firstFail(newRand(uint64(10_000+i)), tc.canary, base)
				if step != 1 || look > 2 {
					late++
					continue
				}
				atLook[look]++
			}
			t.Logf("%s, of %d canaries: failed at look 1: %d, look 2: %d, later or never: %d", tc.name, canaries, atLook[1], atLook[2], late)
			assert.Zero(t, late)
		})
	}
}

// TestLooksGoodLatenciesPass: a good release's latencies, drawn like its
// baseline's, abort none of 300 canaries of 2 steps × 10 looks (the
// median must move by a millisecond and a quarter besides).
func TestLooksGoodLatenciesPass(t *testing.T) {
	good := behaviour{median: 2 * time.Millisecond}
	sim := run{weights: []int{10, 50}, looks: 10, perLook: 300, spend: true}
	for i := range 300 {
		step, look := sim.firstFail(newRand(uint64(20_000+i)), good, good)
		assert.Zero(t, step, "canary %d aborted at look %d", i, look)
	}
}

func TestLookLevels(t *testing.T) {
	for _, tc := range []struct {
		look   Look
		level  float64
		detail string
	}{
		{Look{}, 0.05, "level 0.05"},
		{Look{N: 1, Of: 1}, 0.05, "level 0.05"},
		{Look{N: 1, Of: 10}, 0.05 / 18, "level 0.0028 (look 1 of 10)"},
		{Look{N: 9, Of: 10}, 0.05 / 18, "level 0.0028 (look 9 of 10)"},
		{Look{N: 10, Of: 10}, 0.025, "level 0.025 (last look of 10)"},
		{Look{N: 2, Of: 2}, 0.025, "level 0.025 (last look of 2)"},
		{Look{N: 1, Of: 2}, 0.025, "level 0.025 (look 1 of 2)"},
	} {
		th := defaults
		th.Look = tc.look
		assert.InDelta(t, tc.level, th.alpha(), 1e-12, "%+v", tc.look)
		assert.Equal(t, tc.detail, th.level())
	}
	// A step's looks never spend more than 1-Confidence together.
	for looks := 1; looks <= 60; looks++ {
		sum := 0.0
		for n := 1; n <= looks; n++ {
			sum += Look{N: n, Of: looks}.level(0.05)
		}
		assert.LessOrEqual(t, sum, 0.05+1e-12, "%d looks", looks)
	}
	// The measurements say the level their test was held to.
	r := newRand(7)
	th := defaults
	th.Look = Look{N: 3, Of: 12}
	res := Compare(service(r, 100, 0, 2*time.Millisecond, 0), service(r, 900, 0, 2*time.Millisecond, 0), th)
	assert.Equal(t, "p=1, level 0.0023 (look 3 of 12)", res.Measurements[0].Detail)
	assert.Contains(t, res.Measurements[1].Detail, ", level 0.0023 (look 3 of 12)")
}
