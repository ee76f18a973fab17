package analysis

import (
	"cmp"
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/stat/distuv"
)

// latencyP is the one-sided p-value of a Mann-Whitney U test that the
// canary's latencies are stochastically greater than the baseline's (a
// random canary response slower than a random baseline one more often than
// not). It makes no assumption on the shape of the distributions, which
// for latencies is long-tailed and far from normal. gonum has no rank
// test, so the ranking is done here; the normal CDF is gonum's.
//
// It uses the normal approximation of U with the tie correction (latencies
// rounded by the clock tie often) and a continuity correction of 0.5, at
// every sample size, as R's wilcox.test(canary, baseline, alternative =
// "greater", exact = FALSE, correct = TRUE) does. For tiny samples it is
// off by up to about a hundredth: 3 against 3 with every canary value the
// larger gives 0.040 where the exact distribution gives 1/20 = 0.050 (so
// it would fail that at 95% where the exact test would not quite), 4
// against 4 gives 0.015 for 1/70 = 0.014, and it converges from there.
// Compare runs it only with at least MinRequests responses a side (50 by
// default) and fails only when the median also moved by more than
// MaxLatencyIncrease, so that bias at tiny sizes never decides alone.
func latencyP(canary, baseline []time.Duration) float64 {
	n1, n2 := len(canary), len(baseline)
	if n1 == 0 || n2 == 0 {
		return 1
	}
	type obs struct {
		d      time.Duration
		canary bool
	}
	all := make([]obs, 0, n1+n2)
	for _, d := range canary {
		all = append(all, obs{d, true})
	}
	for _, d := range baseline {
		all = append(all, obs{d, false})
	}
	slices.SortFunc(all, func(a, b obs) int { return cmp.Compare(a.d, b.d) })

	// Average ranks (1-based) for runs of equal values; ties feed the
	// variance correction sum(t^3 - t).
	var rankSum, ties float64
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].d == all[i].d {
			j++
		}
		rank := float64(i+j+1) / 2 // mean of ranks i+1..j
		for k := i; k < j; k++ {
			if all[k].canary {
				rankSum += rank
			}
		}
		t := float64(j - i)
		ties += t*t*t - t
		i = j
	}

	f1, f2, n := float64(n1), float64(n2), float64(n1+n2)
	u := rankSum - f1*(f1+1)/2
	mean := f1 * f2 / 2
	variance := f1 * f2 / 12 * ((n + 1) - ties/(n*(n-1)))
	if variance <= 0 {
		// Every latency equal: nothing sets the canary apart.
		return 1
	}
	z := (u - mean - 0.5) / math.Sqrt(variance)
	return distuv.UnitNormal.Survival(z)
}
