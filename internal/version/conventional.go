package version

import (
	"regexp"
	"strings"
)

// A conventional commit subject: type, optional (scope), optional "!", then ": ".
var conventionalSubject = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_-]*)(\([^()\r\n]*\))?(!)?:(?:\s|$)`)

// The footer token is upper case only, as the conventional commits spec requires.
var breakingFooter = regexp.MustCompile(`(?m)^BREAKING[ -]CHANGE: `)

// commit is one commit message seen since the last release.
type commit struct {
	subject string
	bump    Bump
}

// parseCommit classifies a full commit message by the conventional commits
// rules: a breaking marker is major, feat is minor, anything else is patch.
func parseCommit(message string) commit {
	message = strings.TrimSpace(strings.ReplaceAll(message, "\r\n", "\n"))
	subject, _, _ := strings.Cut(message, "\n")
	c := commit{subject: strings.TrimSpace(subject), bump: Patch}
	if m := conventionalSubject.FindStringSubmatch(c.subject); m != nil {
		switch {
		case m[3] == "!":
			c.bump = Major
		case strings.EqualFold(m[1], "feat"):
			c.bump = Minor
		}
	}
	if breakingFooter.MatchString(message) {
		c.bump = Major
	}
	return c
}
