package gc

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
)

// What Lifecycle does to an AMI.
const (
	ActionDeprecate   = "deprecate"   // set its deprecation time (retention.deprecate_after)
	ActionUndeprecate = "undeprecate" // clear it: a release that runs again
	ActionProtect     = "protect"     // turn on deregistration protection (retention.protect)
	ActionUnprotect   = "unprotect"   // turn it off: the release no longer runs in prod
)

// AMIChange is one change Lifecycle makes (or, with a dry run, would make)
// to one AMI in one region.
type AMIChange struct {
	AMI    AMIRef `json:"ami"`
	Action string `json:"action"`
	// Releases are the releases that record the AMI (unchanged inputs
	// share one), image@version.
	Releases []string `json:"releases"`
	Why      string   `json:"why"`
	// DeprecateAt is the deprecation time a deprecate sets.
	DeprecateAt time.Time `json:"deprecate_at,omitzero"`
	Done        bool      `json:"done"`
	Error       string    `json:"error,omitempty"`
}

// String says the change in words: "deprecate us-east-1 ami-1 at ...".
func (c AMIChange) String() string {
	s := c.Action + " " + c.AMI.String()
	if c.Action == ActionDeprecate {
		s += " at " + c.DeprecateAt.UTC().Format("2006-01-02 15:04 UTC")
	}
	return s
}

// AMIState is what EC2 says of an AMI that Lifecycle changes.
type AMIState struct {
	Deprecated bool // a deprecation time is set
	Protected  bool // deregistration protection is on
}

// amiUse is what the record says of one AMI: the releases that recorded
// it, where they run now, and whether any of them ever ran.
type amiUse struct {
	releases []string
	runsIn   []string
	inProd   bool
	deployed bool
}

// decideLifecycle decides, from the record and what EC2 says of each AMI,
// the changes retention asks for. An AMI is judged by every release that
// recorded it: one that another release still runs is in use. An AMI EC2
// did not describe (gone) and a release whose AMIs gc removed are left out.
func decideLifecycle(policy config.AMIRetention, envs []*config.Environment, histories []History, removed map[string]bool,
	states map[AMIRef]AMIState, now time.Time) []AMIChange {
	uses := map[AMIRef]*amiUse{}
	for _, h := range histories {
		prod := lastEnv(envs, h.Image)
		deployed := map[string]bool{}
		for _, d := range h.Deployments {
			if d.Outcome == ledger.OutcomeSucceeded {
				deployed[d.Version] = true
			}
		}
		for _, r := range h.Releases {
			name := r.Image + "@" + r.Version
			if len(r.AMIs) == 0 || removed[name] {
				continue
			}
			var runsIn []string
			for _, e := range envs {
				if cur, ok := h.Current[e.Name]; ok && cur.Version == r.Version {
					runsIn = append(runsIn, e.Name)
				}
			}
			for _, a := range amiRefs(r.AMIs) {
				u := uses[a]
				if u == nil {
					u = &amiUse{}
					uses[a] = u
				}
				u.releases = append(u.releases, name)
				u.runsIn = append(u.runsIn, runsIn...)
				u.inProd = u.inProd || prod != "" && slices.Contains(runsIn, prod)
				u.deployed = u.deployed || deployed[r.Version]
			}
		}
	}
	var out []AMIChange
	for _, a := range slices.SortedFunc(maps.Keys(uses), compareRefs) {
		u, st := uses[a], states[a]
		if _, ok := states[a]; !ok {
			continue
		}
		change := func(action, why string) AMIChange {
			return AMIChange{AMI: a, Action: action, Releases: u.releases, Why: why}
		}
		names := strings.Join(u.releases, ", ")
		if policy.DeprecateAfter > 0 {
			switch {
			case u.deployed && len(u.runsIn) == 0 && !st.Deprecated:
				c := change(ActionDeprecate, names+" runs in no environment any more")
				c.DeprecateAt = now.Add(policy.DeprecateAfter).UTC().Truncate(time.Minute)
				out = append(out, c)
			case len(u.runsIn) > 0 && st.Deprecated:
				out = append(out, change(ActionUndeprecate, names+" runs in "+strings.Join(u.runsIn, ", ")+" again"))
			}
		}
		if policy.Protect {
			switch {
			case u.inProd && !st.Protected:
				out = append(out, change(ActionProtect, names+" runs in the last environment"))
			case !u.inProd && st.Protected:
				out = append(out, change(ActionUnprotect, names+" no longer runs in the last environment"))
			}
		}
	}
	return out
}

// lastEnv is the last environment with a target for image (prod), "" if none.
func lastEnv(envs []*config.Environment, image string) string {
	for i := len(envs) - 1; i >= 0; i-- {
		if _, ok := envs[i].Targets[image]; ok {
			return envs[i].Name
		}
	}
	return ""
}

func compareRefs(x, y AMIRef) int {
	if c := strings.Compare(x.Region, y.Region); c != 0 {
		return c
	}
	return strings.Compare(x.ID, y.ID)
}

// lifecycleFailed returns an error naming every change that failed and
// the first one's cause (they mostly share it), or nil.
func lifecycleFailed(changes []AMIChange) error {
	var names []string
	first := ""
	for _, c := range changes {
		if c.Error != "" {
			names = append(names, c.String())
			if first == "" {
				first = c.Error
			}
		}
	}
	if len(names) == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d AMI changes failed (%s): %s", len(names), len(changes), strings.Join(names, ", "), first)
}

// WithoutRemoved drops the deprecations of AMIs that items remove: gc
// deregisters them instead.
func WithoutRemoved(changes []AMIChange, items []Item) []AMIChange {
	gone := map[AMIRef]bool{}
	for _, it := range items {
		if it.Kind == AMI && it.Error == "" {
			for _, a := range amiRefs(it.AMIs) {
				gone[a] = true
			}
		}
	}
	var out []AMIChange
	for _, c := range changes {
		if c.Action == ActionDeprecate && gone[c.AMI] {
			continue
		}
		out = append(out, c)
	}
	return out
}
