package targets

import (
	"sort"
	"time"

	"github.com/Masterminds/semver/v3"

	"github.com/bakehq/bake/internal/config"
)

// Fate is what Retire does with one kept release's resources (an Auto
// Scaling group, a Deployment) that does not serve.
type Fate string

// The fates Retire chooses from.
const (
	FateWarm   Fate = "warm"   // running, out of traffic
	FateStop   Fate = "stop"   // scaled to zero, kept for rollback
	FateRemove Fate = "remove" // deleted
)

// Kept is one release's resources, as Fates weighs them.
type Kept struct {
	Name    string
	Version string
	Created time.Time
}

// Decision is the fate of one kept release.
type Decision struct {
	Kept
	Fate Fate
}

// Fates decides what becomes of each of kept but the one named serving:
// the release previousVersion's as req.Keep says, and the others, newest
// first, scaled to zero while fewer than req.Releases are kept besides the
// serving one, and deleted beyond that. It returns each with its fate,
// the replaced release first, then newest first.
func Fates(kept []Kept, serving string, req Request, previousVersion string) []Decision {
	others := make([]Kept, 0, len(kept))
	for _, k := range kept {
		if k.Name != serving {
			others = append(others, k)
		}
	}
	// The replaced release first, then by age: the newest are the likeliest rollbacks.
	sort.SliceStable(others, func(i, j int) bool {
		pi, pj := others[i].Version == previousVersion, others[j].Version == previousVersion
		if pi != pj {
			return pi
		}
		return Newer(others[i], others[j])
	})
	limit := req.Releases
	if limit <= 0 {
		limit = config.DefaultKeepReleases
	}
	n := 0
	out := make([]Decision, 0, len(others))
	for _, k := range others {
		what := FateRemove
		previous := previousVersion != "" && k.Version == previousVersion
		switch {
		case previous && req.Keep == config.KeepWarm:
			what = FateWarm
		case previous && req.Keep == config.KeepRemoved:
			what = FateRemove
		case n < limit:
			what = FateStop
		}
		if what != FateRemove {
			n++
		}
		out = append(out, Decision{Kept: k, Fate: what})
	}
	return out
}

// Newer orders kept releases by creation, newest first; those created in
// the same instant by version.
func Newer(a, b Kept) bool {
	if !a.Created.Equal(b.Created) {
		return a.Created.After(b.Created)
	}
	va, erra := semver.NewVersion(a.Version)
	vb, errb := semver.NewVersion(b.Version)
	if erra == nil && errb == nil {
		return va.GreaterThan(vb)
	}
	return a.Version > b.Version
}
