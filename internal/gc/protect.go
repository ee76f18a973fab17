package gc

import (
	"slices"
	"sort"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
)

// History is what the ledger records of one image: the input of Protect.
type History struct {
	Image       string
	Releases    []ledger.Release             // newest version first, as ledger.Store.Releases lists them
	Deployments []ledger.Deployment          // in every environment, newest first
	Current     map[string]ledger.Deployment // by environment: what runs there (ledger.Store.Current)
	Revoked     map[string]bool              // versions that are revoked
}

// Kept is a release gc keeps, and why.
type Kept struct {
	Image   string   `json:"image"`
	Version string   `json:"version"`
	Digest  string   `json:"digest,omitempty"`
	Reasons []string `json:"reasons"`
}

// Protection is what gc must leave alone: releases by image@version and,
// because releases with unchanged inputs share one artifact, by digest.
type Protection struct {
	Kept     []Kept // by image, newest version first
	digests  map[string]bool
	releases map[string]bool // image@version
}

// Digest reports whether an artifact is protected.
func (p *Protection) Digest(digest string) bool { return digest != "" && p.digests[digest] }

// Release reports whether a release, or the artifact it shares with a
// protected one, is protected.
func (p *Protection) Release(r ledger.Release) bool {
	return p.releases[r.Image+"@"+r.Version] || p.Digest(r.Digest)
}

// Protect decides, from the record alone, which releases gc keeps. For each
// image it keeps the release each environment runs; the last K releases
// that succeeded in each environment before that one (K is the
// environment's retention.releases); releases never deployed anywhere that
// were recorded after the newest one the image's first environment ran (they
// are waiting for promotion); the newest release and the newest validated one
// (what images built FROM this one use next); and the base release of
// every kept release, recursively. A release whose artifact (digest) is
// shared with a kept one is kept too.
func Protect(envs []*config.Environment, histories []History) *Protection {
	p := &Protection{digests: map[string]bool{}, releases: map[string]bool{}}
	reasons := map[string][]string{} // image@version
	known := map[string]ledger.Release{}
	add := func(image, version, digest, why string) {
		key := image + "@" + version
		p.releases[key] = true
		// The deployment's digest and the release's are the same artifact;
		// both are kept in case the record ever disagrees.
		for _, d := range []string{digest, known[key].Digest} {
			if d != "" {
				p.digests[d] = true
			}
		}
		for _, r := range reasons[key] {
			if r == why {
				return
			}
		}
		reasons[key] = append(reasons[key], why)
	}
	for _, h := range histories {
		for _, r := range h.Releases {
			known[r.Image+"@"+r.Version] = r
		}
		protectImage(envs, h, add)
	}

	// Bases, recursively: a kept release can be rebuilt or inspected only
	// with the base it was built FROM.
	queue := make([]string, 0, len(reasons))
	for key := range reasons {
		queue = append(queue, key)
	}
	for len(queue) > 0 {
		key := queue[0]
		queue = queue[1:]
		r, ok := known[key]
		if !ok || r.Base == "" {
			continue
		}
		base, ok := known[r.Base]
		if !ok {
			p.releases[r.Base] = true
			continue
		}
		if !p.releases[r.Base] {
			queue = append(queue, r.Base)
		}
		add(base.Image, base.Version, base.Digest, "base of "+key)
	}

	for _, h := range histories {
		for _, r := range h.Releases {
			key := r.Image + "@" + r.Version
			if reasons[key] == nil && p.Digest(r.Digest) {
				reasons[key] = []string{"same artifact as " + sharer(histories, reasons, r)}
				p.releases[key] = true
			}
			if reasons[key] != nil {
				p.Kept = append(p.Kept, Kept{Image: r.Image, Version: r.Version, Digest: r.Digest, Reasons: reasons[key]})
			}
		}
	}
	return p
}

// protectImage applies every rule but the base rule to one image.
func protectImage(envs []*config.Environment, h History, add func(image, version, digest, why string)) {
	byEnv := map[string][]ledger.Deployment{}
	succeeded := map[string]map[string]bool{} // env -> version
	anywhere := map[string]bool{}             // versions that succeeded in some environment
	for _, d := range h.Deployments {
		byEnv[d.Env] = append(byEnv[d.Env], d)
		if d.Outcome == ledger.OutcomeSucceeded {
			if succeeded[d.Env] == nil {
				succeeded[d.Env] = map[string]bool{}
			}
			succeeded[d.Env][d.Version] = true
			anywhere[d.Version] = true
		}
	}

	first := "" // the first environment the image is promoted into
	for _, e := range envs {
		current, runs := h.Current[e.Name]
		if runs {
			add(h.Image, current.Version, current.Digest, "runs in "+e.Name)
		}
		keep := e.Retention.Releases
		if keep <= 0 {
			keep = config.DefaultKeepReleases
		}
		for _, d := range candidates(byEnv[e.Name], current.Version, keep, h.Revoked) {
			add(h.Image, d.Version, d.Digest, "rollback candidate in "+e.Name)
		}
		// A canary held between steps serves a share of requests with no
		// operation holding the environment's lock.
		if st, _, ok := ledger.CanaryUnderWay(byEnv[e.Name]); ok {
			add(h.Image, st.Version, st.Digest, "canary under way in "+e.Name)
		}
		if _, ok := e.Targets[h.Image]; ok && first == "" {
			first = e.Name
		}
	}

	// Releases waiting for promotion. An image no environment runs (a base
	// image) has none: it is kept as the newest release or as a base.
	// Releases are walked most recently recorded first, as history lists
	// them: a hotfix 1.0.1 recorded after 1.1.0 entered dev waits too.
	if first != "" {
		recorded := slices.Clone(h.Releases)
		sort.SliceStable(recorded, func(i, j int) bool { return recorded[i].CreatedAt.After(recorded[j].CreatedAt) })
		for _, r := range recorded {
			if succeeded[first][r.Version] {
				break // this and every release recorded before it has entered the first environment's history
			}
			if r.Status == ledger.StatusValidated && !anywhere[r.Version] {
				add(h.Image, r.Version, r.Digest, "waiting to enter "+first)
			}
		}
	}

	if len(h.Releases) == 0 {
		return
	}
	newest := h.Releases[0]
	add(h.Image, newest.Version, newest.Digest, "newest release")
	if newest.Status == ledger.StatusValidated {
		return
	}
	// A failed newest release is never built FROM: the newest validated one is.
	for _, r := range h.Releases {
		if r.Status == ledger.StatusValidated {
			add(h.Image, r.Version, r.Digest, "newest validated release")
			break
		}
	}
}

// candidates returns, from an environment's deployments (newest first), the
// releases a rollback could go back to: the last keep distinct versions that
// succeeded there other than the current one (for `rollback --to`) and the
// next keep that `bake rollback` would walk back through
// (ledger.RollbackOrder). A revoked release is never a rollback target, so
// it is no candidate.
func candidates(deps []ledger.Deployment, current string, keep int, revoked map[string]bool) []ledger.Deployment {
	walk := map[string]bool{}
	walked := 0
	for _, d := range ledger.RollbackOrder(deps) {
		if walked == keep {
			break
		}
		if !revoked[d.Version] {
			walk[d.Version] = true
			walked++
		}
	}
	var out []ledger.Deployment
	picked := map[string]bool{}
	recent := 0
	for _, d := range deps {
		if d.Outcome != ledger.OutcomeSucceeded || d.Version == current || picked[d.Version] || revoked[d.Version] {
			continue
		}
		take := walk[d.Version]
		if recent < keep {
			recent++
			take = true
		}
		if take {
			picked[d.Version] = true
			out = append(out, d)
		}
	}
	return out
}

// sharer names a protected release whose artifact r shares.
func sharer(histories []History, reasons map[string][]string, r ledger.Release) string {
	for _, h := range histories {
		for _, o := range h.Releases {
			if o.Digest == r.Digest && reasons[o.Image+"@"+o.Version] != nil {
				return o.Image + "@" + o.Version
			}
		}
	}
	return r.Digest
}
