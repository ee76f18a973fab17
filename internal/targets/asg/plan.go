package asg

import (
	"context"
	"strings"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/targets"
)

// Plan says what Deploy and Retire would do for req, changing nothing. Its
// lists name Auto Scaling groups: Reuse the release's group kept warm
// (attached again), Restart its group kept at zero (scaled back up), Warm,
// Stop and Remove the groups Retire keeps running, scales to zero and
// deletes; Start counts the instances launched.
func (t *Target) Plan(ctx context.Context, req targets.Request, previousVersion string) (targets.Plan, error) {
	if err := t.Check(ctx, req); err != nil {
		return targets.Plan{}, err
	}
	groups, err := t.Groups(ctx, req.Env, req.Image.Name)
	if err != nil {
		return targets.Plan{}, err
	}
	n := name(req)
	names := tgNames(req.Target.ASG.TargetGroups)
	p := targets.Plan{Strategy: config.BlueGreen, Keep: req.Keep, Group: n, Start: req.Target.Replicas,
		Reuse: []string{}, Restart: []string{}, Warm: []string{}, Stop: []string{}, Remove: []string{},
		Switch: "target group(s) " + strings.Join(names, ", ")}
	for _, g := range groups {
		if g.Name != n {
			continue
		}
		if g.Desired > 0 {
			p.Reuse = append(p.Reuse, n)
			p.Start = max(req.Target.Replicas-g.Desired, 0)
		} else {
			p.Restart = append(p.Restart, n)
		}
	}
	for _, f := range fates(groups, n, req, previousVersion) {
		switch f.what {
		case fateWarm:
			p.Warm = append(p.Warm, f.group.Name)
		case fateStop:
			if f.group.Desired > 0 {
				p.Stop = append(p.Stop, f.group.Name)
			}
		case fateRemove:
			p.Remove = append(p.Remove, f.group.Name)
		}
	}
	p.Steps = planSteps(p, req, previousVersion)
	return p, nil
}
