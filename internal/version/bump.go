package version

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// Bump is which part of a version a release increments. The kinds are ordered:
// when several commits ask for different bumps, the greatest wins.
type Bump int

const (
	// Auto lets the conventional commits since the last release decide.
	Auto Bump = iota
	// Patch increments Z in X.Y.Z.
	Patch
	// Minor increments Y and resets Z.
	Minor
	// Major increments X and resets Y and Z.
	Major
)

// ParseBump parses a --bump flag value: auto (also the empty string), major,
// minor or patch, in any case.
func ParseBump(s string) (Bump, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return Auto, nil
	case "patch":
		return Patch, nil
	case "minor":
		return Minor, nil
	case "major":
		return Major, nil
	}
	return Auto, fmt.Errorf("bump %q is not auto|major|minor|patch: %w",
		s, invalidError{errors.New("unknown bump kind")})
}

// String returns the flag spelling of b: auto, patch, minor or major.
func (b Bump) String() string {
	switch b {
	case Auto:
		return "auto"
	case Patch:
		return "patch"
	case Minor:
		return "minor"
	case Major:
		return "major"
	}
	return fmt.Sprintf("Bump(%d)", int(b))
}

// apply returns the version after v bumped by b; a nil v stands for 0.0.0.
// Auto is treated as Patch: a release was asked for even if nothing changed.
func (b Bump) apply(v *semver.Version) (*semver.Version, error) {
	if v == nil {
		v = semver.New(0, 0, 0, "", "")
	}
	var next semver.Version
	switch b {
	case Major:
		if v.Major() == math.MaxUint64 {
			return nil, fmt.Errorf("bumping major of %s: %w", v, invalidError{errors.New("number too large")})
		}
		next = v.IncMajor()
	case Minor:
		if v.Minor() == math.MaxUint64 {
			return nil, fmt.Errorf("bumping minor of %s: %w", v, invalidError{errors.New("number too large")})
		}
		next = v.IncMinor()
	default:
		if v.Prerelease() == "" && v.Patch() == math.MaxUint64 {
			return nil, fmt.Errorf("bumping patch of %s: %w", v, invalidError{errors.New("number too large")})
		}
		next = v.IncPatch()
	}
	return &next, nil
}
