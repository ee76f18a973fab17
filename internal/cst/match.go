package cst

import (
	"fmt"
	"regexp"
	"strings"
)

// clipAt bounds how much of a text a result shows.
const clipAt = 200

// matchPatterns checks got against patterns that must match and patterns
// that must not, and says what failed; what names the text ("output",
// "contents"). A pattern that does not compile is an error.
func matchPatterns(what string, expected, excluded []string, got string) ([]string, error) {
	var problems []string
	for _, p := range expected {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("invalid regular expression %q: %w", p, err)
		}
		if !re.MatchString(got) {
			problems = append(problems, fmt.Sprintf("expected %s matching %q, got %q", what, p, clip(got)))
		}
	}
	for _, p := range excluded {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("invalid regular expression %q: %w", p, err)
		}
		if loc := re.FindStringIndex(got); loc != nil {
			problems = append(problems, fmt.Sprintf("expected %s not matching %q, found %q", what, p, clip(got[loc[0]:loc[1]])))
		}
	}
	return problems, nil
}

// matchValue compares a value the metadata test expects with the one the
// image has; pattern makes want a regular expression.
func matchValue(want, got string, pattern bool) (bool, error) {
	if !pattern {
		return want == got, nil
	}
	re, err := regexp.Compile(want)
	if err != nil {
		return false, fmt.Errorf("invalid regular expression %q: %w", want, err)
	}
	return re.MatchString(got), nil
}

// clip shortens a text for a result's detail.
func clip(s string) string {
	s = strings.TrimRight(s, "\r\n")
	if len(s) > clipAt {
		return s[:clipAt] + "..."
	}
	return s
}
