package config

import (
	"fmt"
	"strings"
)

// suggest returns the candidate closest to word when it is a likely misspelling:
// at most two edits away, or one a prefix of the other. It returns "" otherwise.
func suggest(word string, candidates []string) string {
	word = strings.ToLower(word)
	best, bestDist := "", -1
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := levenshtein(word, lc)
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

// levenshtein counts the single-rune insertions, deletions and substitutions
// that turn a into b.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// unknownName explains that name is not one of known, with a suggestion when
// one is close and the full list otherwise.
func unknownName(what, name string, known []string) string {
	if s := suggest(name, known); s != "" {
		return fmt.Sprintf("unknown %s %q; did you mean %q?", what, name, s)
	}
	if len(known) == 0 {
		return fmt.Sprintf("unknown %s %q", what, name)
	}
	return fmt.Sprintf("unknown %s %q; expected one of: %s", what, name, strings.Join(known, ", "))
}
