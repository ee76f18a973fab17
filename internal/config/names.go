package config

import (
	"fmt"
	"regexp"
	"unicode/utf8"

	"github.com/google/go-containerregistry/pkg/name"
)

// Name limits. Project, environment and image names end up in names other
// programs check: REGISTRY/PROJECT/IMAGE is a registry repository (OCI's
// grammar, and at most 255 characters with the registry, as Docker counts),
// replicas are containers named bake-PROJECT-ENV-IMAGE-VERSION-N behind
// front-door routes bake-PROJECT-ENV-IMAGE, and AMIs are named
// bake-PROJECT-IMAGE-OPERATION, which EC2 allows 128 characters.
const (
	maxProjectName = 40
	maxEnvName     = 40
	maxImageName   = 60
	maxRepository  = 255
)

// nameRule is what project, environment and image names look like: one
// path component of an OCI repository name, with hyphens as its only
// separator.
var nameRule = regexp.MustCompile(`^[a-z0-9]+(-+[a-z0-9]+)*$`)

const nameRuleText = "must be lowercase letters, digits and hyphens, starting and ending with a letter or digit"

// checkName says what is wrong with a project, environment or image name
// that may be max characters long, or "" when nothing is.
func checkName(v string, max int) string {
	if n := utf8.RuneCountInString(v); n > max {
		return fmt.Sprintf("%s is %d characters long; it may be at most %d", shortQuote(v), n, max)
	}
	if !nameRule.MatchString(v) {
		return fmt.Sprintf("%q %s", v, nameRuleText)
	}
	return ""
}

// checkRepository says what is wrong with the repository an image is pushed
// to, REGISTRY/PROJECT/IMAGE, as registries and the engine would: "" when
// they accept it.
func checkRepository(registry, project, image string) string {
	repo := registry + "/" + project + "/" + image
	if n := len(repo); n > maxRepository {
		return fmt.Sprintf("image name %q makes the repository %s %d characters long; registries accept at most %d: shorten the image or project name",
			image, shortQuote(repo), n, maxRepository)
	}
	if _, err := name.NewRepository(repo, name.StrictValidation); err != nil {
		return fmt.Sprintf("image name %q makes the repository %q, which registries refuse: %v", image, repo, err)
	}
	return ""
}

// shortQuote quotes s, cut to its first 32 characters when it is longer,
// so a message stays one readable line.
func shortQuote(s string) string {
	const keep = 32
	if utf8.RuneCountInString(s) <= keep {
		return fmt.Sprintf("%q", s)
	}
	r := []rune(s)
	return fmt.Sprintf("%q...", string(r[:keep]))
}

// CheckProjectName says what is wrong with v as a project name, or "" when
// nothing is.
func CheckProjectName(v string) string { return checkName(v, maxProjectName) }
