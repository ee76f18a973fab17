package cst

import (
	"fmt"
	"os"
	"strings"
)

// commandOutcome is what one command test's command printed and how it exited.
type commandOutcome struct {
	Argv     []string
	Stdout   string
	Stderr   string
	ExitCode int
}

// checkCommand answers a command test from what its command did. Trailing
// newlines of stdout and stderr are ignored, so "^1\.2\.0$" matches a
// command that prints one line.
func checkCommand(t CommandTest, out commandOutcome) (string, bool, error) {
	cmd := strings.Join(out.Argv, " ")
	stdout, stderr := strings.TrimRight(out.Stdout, "\r\n"), strings.TrimRight(out.Stderr, "\r\n")
	var problems []string
	if out.ExitCode != t.ExitCode {
		p := fmt.Sprintf("expected exit code %d, got %d", t.ExitCode, out.ExitCode)
		if stderr != "" {
			p += fmt.Sprintf(" (stderr %q)", clip(stderr))
		}
		problems = append(problems, p)
	}
	for _, m := range []struct {
		what               string
		expected, excluded []string
		got                string
	}{
		{"output", t.ExpectedOutput, t.ExcludedOutput, stdout},
		{"stderr", t.ExpectedError, t.ExcludedError, stderr},
	} {
		found, err := matchPatterns(m.what, m.expected, m.excluded, m.got)
		if err != nil {
			return "", false, err
		}
		problems = append(problems, found...)
	}
	if len(problems) > 0 {
		return fmt.Sprintf("%q: %s", cmd, strings.Join(problems, "; ")), false, nil
	}
	return fmt.Sprintf("%q exited %d", cmd, out.ExitCode), true, nil
}

// expandEnv substitutes $NAME and ${NAME} in s from env, as
// container-structure-test does before running a command; unknown names
// become "".
func expandEnv(s string, env map[string]string) string {
	return os.Expand(s, func(k string) string { return env[k] })
}
