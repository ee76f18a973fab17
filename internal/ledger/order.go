package ledger

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/Masterminds/semver/v3"
)

// ParseVersion checks that a release version is strict semver (X.Y.Z with
// optional pre-release and build metadata), the only form the ledger records.
func ParseVersion(v string) (*semver.Version, error) {
	sv, err := semver.StrictNewVersion(v)
	if err != nil {
		return nil, fmt.Errorf("version %q is not semver X.Y.Z: %w", v, err)
	}
	return sv, nil
}

// SortNewestFirst orders releases by semver precedence, highest first.
// Versions that do not parse (never written by this package) go last, by text.
func SortNewestFirst(rs []Release) {
	type keyed struct {
		r Release
		v *semver.Version
	}
	ks := make([]keyed, len(rs))
	for i, r := range rs {
		v, _ := semver.StrictNewVersion(r.Version)
		ks[i] = keyed{r: r, v: v}
	}
	slices.SortStableFunc(ks, func(a, b keyed) int {
		switch {
		case a.v != nil && b.v != nil:
			if c := b.v.Compare(a.v); c != 0 {
				return c
			}
			// Equal precedence differs only in build metadata: keep a fixed order.
			return cmp.Compare(b.r.Version, a.r.Version)
		case a.v != nil:
			return -1
		case b.v != nil:
			return 1
		default:
			return cmp.Compare(b.r.Version, a.r.Version)
		}
	})
	for i := range ks {
		rs[i] = ks[i].r
	}
}
