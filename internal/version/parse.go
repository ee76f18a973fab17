package version

import (
	"errors"
	"fmt"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// Parse parses a strict X.Y.Z version, optionally followed by -prerelease and
// build metadata (1.2.3-rc.1+abc). A leading "v" is refused: releases are IMAGE@X.Y.Z.
func Parse(s string) (*semver.Version, error) {
	if len(s) > 1 && (s[0] == 'v' || s[0] == 'V') {
		return nil, fmt.Errorf("version %q is not X.Y.Z semver: %w",
			s, invalidError{errors.New(`drop the leading "v"`)})
	}
	v, err := semver.StrictNewVersion(s)
	if err != nil {
		return nil, fmt.Errorf("version %q is not X.Y.Z semver: %w", s, invalidError{errors.New(semverProblem(err))})
	}
	return v, nil
}

// semverProblem says what is wrong with a version in words, for the
// semver library's own error text.
func semverProblem(err error) string {
	switch {
	case errors.Is(err, semver.ErrEmptyString):
		return "it is empty; give one such as 1.2.0"
	case errors.Is(err, semver.ErrSegmentStartsZero):
		return "a number may not start with 0 (1.2.3, not 01.2.3)"
	case errors.Is(err, semver.ErrInvalidPrerelease):
		return "the part after - must be dot-separated letters, digits and hyphens, such as 1.2.0-rc.1"
	case errors.Is(err, semver.ErrInvalidMetadata):
		return "the part after + must be dot-separated letters, digits and hyphens, such as 1.2.0+build.5"
	}
	return "give three numbers such as 1.2.0, optionally with a pre-release such as 1.2.0-rc.1"
}

// Highest returns the highest of vs by semver precedence, ignoring nils;
// it returns nil when there is none.
func Highest(vs ...*semver.Version) *semver.Version {
	var top *semver.Version
	for _, v := range vs {
		if v != nil && (top == nil || v.GreaterThan(top)) {
			top = v
		}
	}
	return top
}

// TagName returns the git tag that marks release v of image: IMAGE/vX.Y.Z.
func TagName(image string, v *semver.Version) string {
	return tagPrefix(image) + v.String()
}

func tagPrefix(image string) string {
	return image + "/v"
}

func validateImage(image string) error {
	if strings.TrimSpace(image) == "" {
		return invalidError{errors.New("image name is empty")}
	}
	return nil
}
