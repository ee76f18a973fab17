package ecs

import (
	"context"
	"fmt"
	"strings"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/targets"
)

// Plan says what Deploy and Retire would do for req, changing nothing. Its
// lists name ECS services: Reuse the release's service kept warm, Restart
// its service kept at zero (scaled back up), Warm, Stop and Remove the
// services Retire keeps running, scales to zero and deletes; Start counts
// the tasks started; Changes are the resources created, scaled or deleted.
func (t *Target) Plan(ctx context.Context, req targets.Request, previousVersion string) (targets.Plan, error) {
	if err := t.Check(ctx, req); err != nil {
		return targets.Plan{}, err
	}
	services, err := t.Services(ctx, req)
	if err != nil {
		return targets.Plan{}, err
	}
	n := serviceName(req)
	p := targets.Plan{Strategy: config.BlueGreen, Keep: req.Keep, Group: n, Start: req.Target.Replicas,
		Reuse: []string{}, Restart: []string{}, Warm: []string{}, Stop: []string{}, Remove: []string{},
		Switch: "the forward action of " + req.Target.ECS.Listener}
	found := false
	for _, s := range services {
		if s.Name != n {
			continue
		}
		found = true
		if s.Desired > 0 {
			p.Reuse = append(p.Reuse, n)
			p.Start = max(req.Target.Replicas-s.Desired, 0)
		} else {
			p.Restart = append(p.Restart, n)
		}
		if s.Desired != req.Target.Replicas {
			p.Changes = append(p.Changes, targets.Change{Kind: "Service", Name: n, Action: targets.ActionScale})
		}
	}
	if !found {
		p.Changes = append(p.Changes,
			targets.Change{Kind: "TaskDefinition", Name: t.family(req), Action: targets.ActionCreate},
			targets.Change{Kind: "TargetGroup", Name: TargetGroupName(t.Project, req.Env, n), Action: targets.ActionCreate},
			targets.Change{Kind: "Service", Name: n, Action: targets.ActionCreate})
	}
	p.Changes = append(p.Changes, targets.Change{Kind: "Listener", Name: req.Target.ECS.Listener, Action: targets.ActionUpdate})
	for _, f := range fates(services, n, req, previousVersion) {
		switch f.what {
		case targets.FateWarm:
			p.Warm = append(p.Warm, f.service.Name)
			p.Changes = append(p.Changes, targets.Change{Kind: "Service", Name: f.service.Name, Action: targets.ActionKeep})
		case targets.FateStop:
			if f.service.Desired > 0 {
				p.Stop = append(p.Stop, f.service.Name)
				p.Changes = append(p.Changes, targets.Change{Kind: "Service", Name: f.service.Name, Action: targets.ActionScale})
			}
		case targets.FateRemove:
			p.Remove = append(p.Remove, f.service.Name)
			p.Changes = append(p.Changes, targets.Change{Kind: "Service", Name: f.service.Name, Action: targets.ActionDelete})
		}
	}
	p.Steps = planSteps(p, req, previousVersion, t.family(req), TargetGroupName(t.Project, req.Env, n))
	return p, nil
}

// planSteps says in words what p does, for `bake promote --plan`.
// family and tg name the task definition family and the target group of
// the release.
func planSteps(p targets.Plan, req targets.Request, current, family, tg string) []string {
	var out []string
	line := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	tgt, e := req.Target, req.Target.ECS
	switch {
	case len(p.Reuse) > 0:
		line("use ECS service %s (kept warm, its target group at weight 0 in the listener)", p.Group)
		if p.Start > 0 {
			line("scale it up to %d tasks", tgt.Replicas)
		}
	case len(p.Restart) > 0:
		line("scale ECS service %s (kept for rollback) back up to %d tasks; its target group joins the listener at weight 0", p.Group, tgt.Replicas)
	default:
		line("register a task definition revision in family %s: %s, %d CPU units, %d MiB, %s",
			family, req.Release.Reference, e.CPU, e.Memory, e.NetworkMode)
		line("create target group %s, a copy of %s; it joins the listener at weight 0", tg, tgName(e.TargetGroup))
		line("create ECS service %s in cluster %s: %d tasks on %s", p.Group, e.Cluster, tgt.Replicas, e.LaunchType)
	}
	line("wait until %d tasks run and each is healthy in its target group (within %s)", tgt.Replicas, tgt.HealthTimeout)
	line("switch %s: %s at weight 100, every other target group 0", p.Switch, p.Group)
	line("record the deployment and write its SSM parameter")
	if tgt.Watch > 0 {
		line("watch target health for %s; on failure switch back to %s and pin %s there", tgt.Watch, orNone(current), req.Env)
	}
	if len(p.Warm) > 0 {
		line("keep %s running at weight 0 (warm) for rollback", strings.Join(p.Warm, ", "))
	}
	if len(p.Stop) > 0 {
		line("take %s out of the listener and scale to zero, kept for rollback", strings.Join(p.Stop, ", "))
	}
	if len(p.Remove) > 0 {
		line("take %s out of the listener and delete them with their target groups and task definition revisions", strings.Join(p.Remove, ", "))
	}
	return out
}
