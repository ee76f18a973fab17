package analysis

import "strconv"

// Look is which of a step's analyses a comparison is. A canary's step is
// analysed every interval over a growing window and ends at the first
// failed analysis, so a good canary gets as many chances to fail by chance
// as the step has looks: at 95% confidence each, ten looks fail a good
// canary more often than one in twenty.
//
// The looks of a step therefore share the step's 1-Confidence (α), spent
// as a fixed schedule: the step's last look is held to α/2, and each look
// before it to an equal share of the other half, α/(2(L-1)) for a step of
// L looks. However the looks correlate, the chance that any of them fails
// a good canary is at most (L-1)·α/(2(L-1)) + α/2 = α. A clearly bad
// release still fails at its first looks: 5% errors against none, or 100
// ms added, are far beyond any of these levels within a hundred requests.
type Look struct {
	// N is this look's number in the step, from 1; a look with N >= Of is
	// the step's last.
	N int
	// Of is how many looks the step has at most; 0 or 1 is a single look,
	// held to α itself (a held step analysed once by `--continue`).
	Of int
}

// Last reports whether l is the step's last look (or its only one).
func (l Look) Last() bool { return l.Of <= 1 || l.N >= l.Of }

// level is the largest p-value that counts as significant at look l when
// the step may spend alpha over all its looks.
func (l Look) level(alpha float64) float64 {
	switch {
	case l.Of <= 1:
		return alpha
	case l.Last():
		return alpha / 2
	default:
		return alpha / (2 * float64(l.Of-1))
	}
}

// String says which look l is, for a measurement's detail: "look 3 of 12",
// "last look of 12", or "" for a single look.
func (l Look) String() string {
	switch {
	case l.Of <= 1:
		return ""
	case l.Last():
		return "last look of " + strconv.Itoa(l.Of)
	default:
		return "look " + strconv.Itoa(l.N) + " of " + strconv.Itoa(l.Of)
	}
}
