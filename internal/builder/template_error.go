package builder

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	// text/template's own wording: "template: NAME:LINE:COL: executing "NAME" at <ACTION>: DETAIL".
	execError  = regexp.MustCompile(`^template: (.+?:\d+:\d+): executing ".*?" at <(.*?)>: (.*)$`)
	parseError = regexp.MustCompile(`^template: (.+?:\d+(?::\d+)?): (.*)$`)
	missingKey = regexp.MustCompile(`^map has no entry for key "(.*)"$`)
	noField    = regexp.MustCompile(`^can't evaluate field (\w+) in type .*$`)
)

// templateError rewrites text/template's error for a person: where in the
// template, the action, and what to change, without Go's type names.
func templateError(s Spec, err error) error {
	msg := err.Error()
	if m := execError.FindStringSubmatch(msg); m != nil {
		where, action, detail := m[1], m[2], m[3]
		detail = strings.TrimPrefix(detail, "error calling secret: ")
		switch {
		case missingKey.MatchString(detail) && strings.HasPrefix(action, ".Vars."):
			key := missingKey.FindStringSubmatch(detail)[1]
			detail = fmt.Sprintf("image %q has no var %q: add it under images.%s.vars in bake.yaml", s.Image.Name, key, s.Image.Name)
		case noField.MatchString(detail):
			field := noField.FindStringSubmatch(detail)[1]
			detail = fmt.Sprintf("a template has no .%s; it has .Image, .Version, .GitCommit, .Base and .Vars", field)
		}
		return fmt.Errorf("%w: %s: {{ %s }}: %s", ErrTemplate, where, action, detail)
	}
	if m := parseError.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("%w: %s: %s", ErrTemplate, m[1], m[2])
	}
	return fmt.Errorf("%w: %v", ErrTemplate, err)
}
