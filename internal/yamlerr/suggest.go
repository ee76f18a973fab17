package yamlerr

import (
	"strings"

	"github.com/agext/levenshtein"
)

// Suggest returns the candidate closest to word when word is a likely
// misspelling of it: at most two edits away, or one a prefix of the other,
// ignoring case. It returns "" otherwise.
func Suggest(word string, candidates []string) string {
	word = strings.ToLower(word)
	best, bestDist := "", -1
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := levenshtein.Distance(word, lc, nil)
		if d > 2 && !isPrefixPair(word, lc) {
			continue
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// isPrefixPair reports whether one word starts the other; very short words
// are left out because they start too many things.
func isPrefixPair(a, b string) bool {
	if len(a) < 3 || len(b) < 3 {
		return false
	}
	return strings.HasPrefix(a, b) || strings.HasPrefix(b, a)
}
