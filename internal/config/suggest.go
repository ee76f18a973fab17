package config

import (
	"fmt"
	"strings"
)

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
