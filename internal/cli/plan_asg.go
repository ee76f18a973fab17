package cli

import (
	"context"
	"fmt"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/targets"
	"github.com/bakehq/bake/internal/targets/docker"
)

// targetPlan asks the request's target what a deployment would do.
func (f *Factory) targetPlan(ctx context.Context, p *config.Project, req targets.Request, current string) (targets.Plan, error) {
	if req.Target.Type == config.TargetASG {
		t, err := f.asgTarget(ctx, p)
		if err != nil {
			return targets.Plan{}, err
		}
		if err := t.Check(ctx, req); err != nil {
			return targets.Plan{}, fmt.Errorf("%w: %w", promote.ErrUnknown, err)
		}
		return t.Plan(ctx, req, current)
	}
	eng, err := f.Engine(ctx)
	if err != nil {
		return targets.Plan{}, err
	}
	d := &docker.Docker{Engine: eng, Project: p.Name}
	return d.Plan(ctx, req, current)
}

// printASGActions prints the steps of an Auto Scaling group deployment.
func printASGActions(line func(string, ...any), res promote.PlanResult, tgt *config.Target) {
	a := res.Actions
	switch {
	case len(a.Reuse) > 0:
		line("put Auto Scaling group %s (kept warm) back into %s", a.Group, a.Switch)
		if a.Start > 0 {
			line("scale it up to %d instances", tgt.Replicas)
		}
	case len(a.Restart) > 0:
		line("scale Auto Scaling group %s (kept for rollback) back up to %d instances, in %s", a.Group, tgt.Replicas, a.Switch)
	default:
		line("create launch template and Auto Scaling group %s: %d x %s, in %s", a.Group, tgt.Replicas, tgt.ASG.InstanceType, a.Switch)
	}
	line("wait until every instance is in service and healthy in every target group (within %s)", tgt.HealthTimeout)
	line("take every other group of %s out of the target groups", res.Env)
	line("record the deployment and write its SSM parameter")
	if tgt.Watch > 0 {
		line("watch target health for %s; on failure switch back to %s and pin %s there", tgt.Watch, orNone(res.Current), res.Env)
	}
	if len(a.Warm) > 0 {
		line("keep %v running out of the target groups (warm) for rollback", a.Warm)
	}
	if len(a.Stop) > 0 {
		line("scale %v to zero, kept for rollback", a.Stop)
	}
	if len(a.Remove) > 0 {
		line("delete %v and their launch templates", a.Remove)
	}
}
