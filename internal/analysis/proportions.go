package analysis

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// errorRateP is the one-sided p-value of a two-proportion z-test with a
// pooled variance and Yates' continuity correction: how likely a canary
// error rate at least this much above the baseline's is when both releases
// really fail alike (H1: canary rate > baseline rate). It is the p-value of
// R's prop.test(c(ce, be), c(cn, bn), alternative = "greater"), whose
// correction is the same (half of 1/cn + 1/bn, at most the difference).
//
// Errors are few (a handful in a first step), where the uncorrected normal
// approximation is far too eager: 2 errors in 100 against 4 in 900
// gives p=0.028 uncorrected, 0.110 corrected, 0.114 by Fisher's exact test.
// With fewer than about five expected errors a side it stays rough, so
// Compare fails on it only together with an increase beyond
// MaxErrorRateIncrease and at least MinRequests responses a side.
func errorRateP(canaryErrors, canaryN, baselineErrors, baselineN int) float64 {
	if canaryN == 0 || baselineN == 0 {
		return 1
	}
	n1, n2 := float64(canaryN), float64(baselineN)
	diff := float64(canaryErrors)/n1 - float64(baselineErrors)/n2
	pooled := float64(canaryErrors+baselineErrors) / (n1 + n2)
	se := math.Sqrt(pooled * (1 - pooled) * (1/n1 + 1/n2))
	if se == 0 {
		// No errors on either side, or nothing but errors on both: the
		// rates are equal and nothing points to the canary.
		return 1
	}
	correction := math.Min(0.5*(1/n1+1/n2), math.Abs(diff))
	z := math.Copysign(math.Abs(diff)-correction, diff) / se
	return distuv.UnitNormal.Survival(z)
}
