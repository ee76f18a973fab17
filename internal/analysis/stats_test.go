package analysis

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The expected p-values were computed by hand from the formulas in the
// comments of errorRateP and latencyP (R's prop.test and wilcox.test with
// their default corrections), with Φ(z) = erfc(-z/√2)/2; the exact values
// for tiny rank samples are 1/C(n1+n2, n1), the one arrangement of ranks
// as extreme as all canary values above all baseline ones.
func TestErrorRateP(t *testing.T) {
	for _, tc := range []struct {
		name       string
		ce, cn     int
		be, bn     int
		want       float64
		wantFisher float64 // Fisher's exact one-sided p, for comparison
	}{
		{name: "few errors, corrected", ce: 2, cn: 100, be: 4, bn: 900, want: 0.10964, wantFisher: 0.11377},
		{name: "moderate", ce: 10, cn: 100, be: 5, bn: 100, want: 0.14145},
		{name: "5% against none", ce: 5, cn: 100, be: 0, bn: 900, want: 1.1308e-9},
		{name: "equal rates", ce: 1, cn: 100, be: 1, bn: 100, want: 0.5},
		{name: "canary better", ce: 0, cn: 100, be: 3, bn: 100, want: 0.87768},
		{name: "no errors anywhere", ce: 0, cn: 100, be: 0, bn: 900, want: 1},
		{name: "only errors", ce: 50, cn: 50, be: 10, bn: 10, want: 1},
		{name: "empty side", ce: 0, cn: 0, be: 3, bn: 100, want: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := errorRateP(tc.ce, tc.cn, tc.be, tc.bn)
			assert.InEpsilon(t, tc.want, got, 1e-3)
			if tc.wantFisher > 0 {
				assert.InDelta(t, tc.wantFisher, got, 0.01, "corrected p should be close to the exact one")
			}
		})
	}
}

func TestLatencyP(t *testing.T) {
	ms := func(vs ...float64) []time.Duration {
		ds := make([]time.Duration, len(vs))
		for i, v := range vs {
			ds[i] = time.Duration(v * float64(time.Millisecond))
		}
		return ds
	}
	for _, tc := range []struct {
		name             string
		canary, baseline []time.Duration
		want, exact      float64
	}{
		// U=9 of 9; exact 1/C(6,3) = 0.05: the approximation says 0.040.
		{name: "3 vs 3 all greater", canary: ms(4, 5, 6), baseline: ms(1, 2, 3), want: 0.040428, exact: 1.0 / 20},
		// U=16 of 16; exact 1/C(8,4) = 0.0143.
		{name: "4 vs 4 all greater", canary: ms(5, 6, 7, 8), baseline: ms(1, 2, 3, 4), want: 0.015191, exact: 1.0 / 70},
		// One tie across the samples: ranks 3.5, 5, 6, U=8.5, variance
		// 9/12 * (7 - 6/30) = 5.1.
		{name: "tie", canary: ms(3, 4, 5), baseline: ms(1, 2, 3), want: 0.060592},
		// Ranks 2, 4.5, 7, 8, 9: sum 30.5, U=15.5, variance 20/12 * (10 - 6/72).
		{name: "interleaved", canary: ms(1.1, 2.3, 3.4, 5.0, 6.2), baseline: ms(0.9, 1.5, 2.3, 2.8), want: 0.109371},
		{name: "canary faster", canary: ms(1, 2, 3), baseline: ms(4, 5, 6), want: 0.985452},
		{name: "all equal", canary: ms(2, 2, 2), baseline: ms(2, 2), want: 1},
		{name: "empty side", canary: nil, baseline: ms(2, 2), want: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := latencyP(tc.canary, tc.baseline)
			assert.InEpsilon(t, tc.want, got, 1e-4)
			if tc.exact > 0 {
				assert.InDelta(t, tc.exact, got, 0.011, "the approximation stays near the exact p")
			}
		})
	}
}

func TestPValue(t *testing.T) {
	assert.Equal(t, "p<0.001", pValue(0.0004))
	assert.Equal(t, "p=0.003", pValue(0.0034))
	assert.Equal(t, "p=0.45", pValue(0.45))
	assert.Equal(t, "p=1", pValue(1))
}
