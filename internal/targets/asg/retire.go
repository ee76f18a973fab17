package asg

import (
	"context"
	"errors"
	"sort"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/targets"
)

// What Retire does with a group that does not serve.
const (
	fateWarm   = "warm"   // running, out of the target groups
	fateStop   = "stop"   // scaled to zero, out of the target groups; group and launch template kept
	fateRemove = "remove" // group and launch template deleted
)

// fate is what Retire does with one group.
type fate struct {
	group *Group
	what  string
}

// fates decides what becomes of each group of the environment but the one
// serving (serving): the group of previousVersion as req.Keep says, and
// the others, newest first, scaled to zero while fewer than req.Releases
// groups are kept besides the serving one, and deleted beyond that.
func fates(groups []Group, serving string, req targets.Request, previousVersion string) []fate {
	others := make([]*Group, 0, len(groups))
	for i := range groups {
		if groups[i].Name != serving {
			others = append(others, &groups[i])
		}
	}
	// The replaced release first, then by age: the newest are the likeliest rollbacks.
	sort.SliceStable(others, func(i, j int) bool {
		pi, pj := others[i].Version == previousVersion, others[j].Version == previousVersion
		if pi != pj {
			return pi
		}
		return newer(others[i], others[j])
	})
	limit := req.Releases
	if limit <= 0 {
		limit = config.DefaultKeepReleases
	}
	kept := 0
	out := make([]fate, 0, len(others))
	for _, g := range others {
		what := fateRemove
		switch {
		case previousVersion != "" && g.Version == previousVersion && req.Keep == config.KeepWarm:
			what = fateWarm
		case previousVersion != "" && g.Version == previousVersion && req.Keep == config.KeepRemoved:
			what = fateRemove
		case kept < limit:
			what = fateStop
		}
		if what != fateRemove {
			kept++
		}
		out = append(out, fate{group: g, what: what})
	}
	return out
}

// Retire deals with every group of the environment that does not serve the
// release req deployed: the group of the release it replaced is kept warm
// (running, out of the target groups), scaled to zero, or deleted with its
// launch template, as req.Keep says; older groups are scaled to zero while
// fewer than req.Releases groups are kept, and deleted beyond that. A
// group is scaled to zero or deleted only once its instances have drained.
func (t *Target) Retire(ctx context.Context, req targets.Request, previousVersion string) error {
	groups, err := t.Groups(ctx, req.Env, req.Image.Name)
	if err != nil {
		return err
	}
	var errs []error
	for _, f := range fates(groups, name(req), req, previousVersion) {
		if err := t.retire(ctx, req, f); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (t *Target) retire(ctx context.Context, req targets.Request, f fate) error {
	g := f.group
	if g.Status != "" {
		return nil // AWS is deleting it already
	}
	if tgs := attachedTo(g, req.Target.ASG.TargetGroups); len(tgs) > 0 {
		if err := t.detach(ctx, g.Name, tgs); err != nil {
			return err
		}
		t.step(progress.Retired, "took %s (%s) out of the target groups", g.Name, g.Version)
	}
	if f.what != fateWarm && len(g.Instances) > 0 {
		if err := t.waitDrained(ctx, g, req.Target.ASG.TargetGroups); err != nil {
			return err
		}
	}
	switch f.what {
	case fateWarm:
		if g.Desired > 0 {
			t.step(progress.Retired, "kept %s running out of the target groups (warm, %d instances)", g.Name, g.Desired)
		}
	case fateStop:
		if g.Desired == 0 && g.min == 0 {
			return nil
		}
		if err := t.resize(ctx, g.Name, 0, g.max, 0); err != nil {
			return err
		}
		t.step(progress.Retired, "scaled %s to zero (kept for rollback)", g.Name)
	case fateRemove:
		if err := t.deleteGroup(ctx, g.Name); err != nil {
			return err
		}
		lt := g.launchTemplate
		if lt == "" {
			lt = g.Name
		}
		if err := t.deleteTemplate(ctx, lt); err != nil {
			return err
		}
		t.step(progress.Retired, "deleted %s and its launch template", g.Name)
	}
	return nil
}
