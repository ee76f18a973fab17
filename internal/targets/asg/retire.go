package asg

import (
	"context"
	"errors"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/targets"
)

// What Retire does with a group that does not serve: running, out of
// the target groups (warm); scaled to zero, group and launch template kept
// (stop); group and launch template deleted (remove).
const (
	fateWarm   = targets.FateWarm
	fateStop   = targets.FateStop
	fateRemove = targets.FateRemove
)

// fate is what Retire does with one group.
type fate struct {
	group *Group
	what  targets.Fate
}

// fates decides what becomes of each group of the environment but the one
// serving (serving), by the rule every target type shares (targets.Fates).
func fates(groups []Group, serving string, req targets.Request, previousVersion string) []fate {
	kept := make([]targets.Kept, len(groups))
	byName := make(map[string]*Group, len(groups))
	for i := range groups {
		kept[i] = targets.Kept{Name: groups[i].Name, Version: groups[i].Version, Created: groups[i].Created}
		byName[groups[i].Name] = &groups[i]
	}
	decisions := targets.Fates(kept, serving, req, previousVersion)
	out := make([]fate, len(decisions))
	for i, d := range decisions {
		out[i] = fate{group: byName[d.Name], what: d.Fate}
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
