package asg

import (
	"context"
	"fmt"
	"strings"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/targets"
)

func init() {
	targets.Register(config.TargetASG, func(ctx context.Context, d targets.Deps) (targets.Target, error) {
		c, err := d.AWS(ctx)
		if err != nil {
			return nil, fmt.Errorf("asg targets: %w", err)
		}
		return New(c, d.Project, d.Operation, d.Progress), nil
	})
}

var (
	_ targets.Target    = (*Target)(nil)
	_ targets.Checker   = (*Target)(nil)
	_ targets.Pointer   = (*Target)(nil)
	_ targets.Recoverer = (*Target)(nil)
)

// Serves says where t serves: its target groups.
func (t *Target) Serves(tgt *config.Target) string {
	return "in target group(s) " + strings.Join(tgNames(tgt.ASG.TargetGroups), ", ")
}

// Observe reads the Auto Scaling groups of o's image in o's environment
// (their instances are its replicas) and compares them with the record;
// any other group in the environment's target groups is drift too.
func (t *Target) Observe(ctx context.Context, o targets.Observation) (targets.State, error) {
	groups, foreign, err := t.observed(ctx, o.Env, o.Image, o.Target.ASG.TargetGroups)
	if err != nil {
		return targets.State{}, err
	}
	drift := append(driftOf(o.Version, groups, o.Target), foreignDrift(t.Project, o.Version, foreign, o.Target)...)
	st := targets.State{Detail: groups, Drift: drift}
	for _, g := range groups {
		st.Replicas = append(st.Replicas, g.Instances...)
		where := "out of the target groups"
		if len(g.TargetGroups) > 0 {
			where = "in " + strings.Join(tgNames(g.TargetGroups), ", ")
		}
		ids := ""
		if len(g.Instances) > 0 {
			ids = ": " + strings.Join(g.instanceIDs(), " ")
		}
		st.Lines = append(st.Lines, fmt.Sprintf("group %s (%s): %d of %d in service, %s%s", g.Name, g.Version,
			g.inService(), g.Desired, where, ids))
	}
	return st, nil
}

// driftOf compares an environment's record (version, "" for none) with its
// Auto Scaling groups: the recorded release's group holds the target's
// number of instances in service and is in every target group, and no
// other group is in any of them.
func driftOf(version string, groups []Group, tgt *config.Target) []string {
	var drift []string
	want := ""
	if version != "" {
		want = GroupName(tgt.ASG.Group, version)
	}
	found := false
	for _, g := range groups {
		in := tgNames(attachedTo(&g, tgt.ASG.TargetGroups))
		if g.Name != want {
			if len(in) > 0 {
				drift = append(drift, fmt.Sprintf("Auto Scaling group %s (%s) is in target group(s) %s, but the record says %s runs",
					g.Name, g.Version, strings.Join(in, ", "), orNone(version)))
			}
			continue
		}
		found = true
		if n := g.inService(); n != tgt.Replicas {
			drift = append(drift, fmt.Sprintf("the record says %d instances of %s in service, Auto Scaling group %s has %d",
				tgt.Replicas, version, g.Name, n))
		}
		if len(in) != len(tgt.ASG.TargetGroups) {
			drift = append(drift, fmt.Sprintf("Auto Scaling group %s of %s is in %d of its %d target group(s)",
				g.Name, version, len(in), len(tgt.ASG.TargetGroups)))
		}
	}
	if want != "" && !found {
		drift = append(drift, fmt.Sprintf("the record says %s runs, but its Auto Scaling group %s does not exist", version, want))
	}
	return drift
}

// planSteps says in words what p does, for `bake promote --plan`.
func planSteps(p targets.Plan, req targets.Request, current string) []string {
	var out []string
	line := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	tgt := req.Target
	switch {
	case len(p.Reuse) > 0:
		line("put Auto Scaling group %s (kept warm) back into %s", p.Group, p.Switch)
		if p.Start > 0 {
			line("scale it up to %d instances", tgt.Replicas)
		}
	case len(p.Restart) > 0:
		line("scale Auto Scaling group %s (kept for rollback) back up to %d instances, in %s", p.Group, tgt.Replicas, p.Switch)
	default:
		line("create launch template and Auto Scaling group %s: %d x %s, in %s", p.Group, tgt.Replicas, tgt.ASG.InstanceType, p.Switch)
	}
	line("wait until every instance is in service and healthy in every target group (within %s)", tgt.HealthTimeout)
	line("take every other group of %s out of the target groups", req.Env)
	line("record the deployment and write its SSM parameter")
	if tgt.Watch > 0 {
		line("watch target health for %s; on failure switch back to %s and pin %s there", tgt.Watch, orNone(current), req.Env)
	}
	if len(p.Warm) > 0 {
		line("keep %s running out of the target groups (warm) for rollback", strings.Join(p.Warm, ", "))
	}
	if len(p.Stop) > 0 {
		line("scale %s to zero, kept for rollback", strings.Join(p.Stop, ", "))
	}
	if len(p.Remove) > 0 {
		line("delete %s and their launch templates", strings.Join(p.Remove, ", "))
	}
	return out
}

// tgNames shortens target group ARNs to their names.
func tgNames(arns []string) []string {
	names := make([]string, len(arns))
	for i, arn := range arns {
		names[i] = tgName(arn)
	}
	return names
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
