package sandbox

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/probe"
)

// renderCommand fills in a command check's templates: the argv to run and
// the pattern its stdout must match (nil for none).
func renderCommand(d probe.Data, c *config.CommandCheck) (argv []string, want *regexp.Regexp, err error) {
	argv = make([]string, len(c.Argv))
	for i, a := range c.Argv {
		if argv[i], err = d.Render("argv", a); err != nil {
			return nil, nil, err
		}
	}
	if want, err = d.Pattern("stdout", c.Stdout); err != nil {
		return nil, nil, err
	}
	return argv, want, nil
}

// commandVerdict judges a command check from how its command ended, in a
// container or on an EC2 instance alike: the detail recorded and whether
// it passed.
func commandVerdict(cmd string, c *config.CommandCheck, want *regexp.Regexp, code int, stdout, stderr string) (string, bool) {
	switch {
	case code != c.ExitCode:
		return fmt.Sprintf("%q: expected exit %d, got %d; stderr %q", cmd, c.ExitCode, code, clip(stderr)), false
	case want != nil && !want.MatchString(strings.TrimRight(stdout, "\r\n")):
		return fmt.Sprintf("%q: expected stdout matching %q, got %q", cmd, want.String(), clip(stdout)), false
	case stdout == "":
		return fmt.Sprintf("%q exited %d (no output)", cmd, code), true
	}
	return fmt.Sprintf("%q exited %d", cmd, code), true
}
