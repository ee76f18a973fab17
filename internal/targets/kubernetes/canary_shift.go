package kubernetes

import "github.com/bakehq/bake/internal/targets"

// A Service cannot weigh requests: it spreads them over the ready pods it
// selects, about evenly. A canary's share of requests is therefore its
// share of those pods, and a step's weight becomes a number of canary pods
// beside the baseline's, which keep their number.

// maxCanaryPerBaseline bounds the canary's pods at this many per baseline
// pod (a share of 90%): a step of 99% beside 10 baseline pods would
// otherwise ask for 990 canary pods, more than a cluster has room for, to
// move a share only the last step (100%) needs.
const maxCanaryPerBaseline = 9

// canaryPods is how many canary pods, beside baseline ready baseline pods,
// give the canary the share of pods nearest to weight percent: at least
// one (a canary with no pods is no canary), at most maxCanaryPerBaseline
// per baseline pod; of two counts equally near, the smaller. A weight of 0
// is no pods, and so is a baseline of none (nothing to share with).
func canaryPods(weight int, baseline int32) int32 {
	if weight <= 0 || baseline <= 0 {
		return 0
	}
	limit := maxCanaryPerBaseline * baseline
	if weight >= 100 {
		return limit
	}
	b, w := int64(baseline), int64(weight)
	// c/(b+c) = w/100 at c = w*b/(100-w): the nearest count is that
	// rounded down or up.
	lo := w * b / (100 - w)
	best := int64(-1)
	for _, c := range []int64{lo, lo + 1} {
		c = min(max(c, 1), int64(limit))
		if best < 0 || nearer(c, best, b, w) {
			best = c
		}
	}
	return int32(best)
}

// nearer reports whether c canary pods beside b baseline ones come
// strictly nearer to w percent than d do: |100c - w(b+c)| / (b+c) compared
// across both without division.
func nearer(c, d, b, w int64) bool {
	off := func(n int64) int64 { return abs(100*n - w*(b+n)) }
	return off(c)*(b+d) < off(d)*(b+c)
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// podShare is the canary's share of the pods, in whole percent, for the
// line that says it: 1 of 3 is 33%.
func podShare(canary, baseline int32) int {
	total := canary + baseline
	if total <= 0 {
		return 0
	}
	return int((200*int64(canary) + int64(total)) / (2 * int64(total)))
}

// TellsShare is true: Shift says the share of pods it gave the canary,
// which is seldom the step's weight (targets.ShareTeller).
func (t *Target) TellsShare(targets.Request) bool { return true }
