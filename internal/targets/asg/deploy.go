package asg

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/steps"
	"github.com/bakehq/bake/internal/targets"
)

// maxNameLength is the longest launch template name EC2 accepts.
const maxNameLength = 128

// Check refuses, before anything changes, a request the target cannot run:
// a release without an AMI in the target's region, or a group name too long
// for a launch template.
func (t *Target) Check(ctx context.Context, req targets.Request) error {
	if req.Target == nil || req.Target.ASG == nil {
		return fmt.Errorf("%s in %q has no asg target settings", req.Image.Name, req.Env)
	}
	if _, err := t.ami(req); err != nil {
		return err
	}
	if n := name(req); len(n) > maxNameLength {
		return fmt.Errorf("group name %q is %d characters; launch template names may have %d: shorten the target's group",
			n, len(n), maxNameLength)
	}
	if t.EC2Check != nil {
		if _, err := t.EC2Check.Check(ctx, checkRequest(req.Target.ASG)); err != nil {
			return err
		}
	}
	return nil
}

// ami is the release's AMI in the target's region.
func (t *Target) ami(req targets.Request) (string, error) {
	if id := req.Release.AMIs[t.Region]; id != "" {
		return id, nil
	}
	has := "no AMI at all: it is not an AMI release"
	if len(req.Release.AMIs) > 0 {
		regions := slices.Sorted(maps.Keys(req.Release.AMIs))
		has = "AMIs in " + strings.Join(regions, ", ") + " only"
	}
	return "", fmt.Errorf("%w of %s@%s in %q, where %q runs its Auto Scaling groups (it has %s)",
		ErrNoAMI, req.Image.Name, req.Release.Version, t.Region, req.Env, has)
}

// Deploy brings the release into the target groups, blue/green.
//
// It creates the release's launch template and Auto Scaling group, sized
// like the target, attached to the target groups; or, if the release's
// group was kept from an earlier deployment (a rollback), scales it back up
// and attaches it again. It waits until every instance is in service and
// healthy in every target group, within the target's health timeout, and
// only then takes every other group of the environment out of the target
// groups (they keep running until Retire). If anything fails or the context
// is cancelled, the new group and its launch template are deleted (a kept
// group is detached and scaled back to its earlier size instead), and the
// groups that served were never touched.
func (t *Target) Deploy(ctx context.Context, req targets.Request) ([]targets.Replica, error) {
	ami, err := t.ami(req)
	if err != nil {
		return nil, err
	}
	groups, err := t.Groups(ctx, req.Env, req.Image.Name)
	if err != nil {
		return nil, err
	}
	up := &stepBringUp{t: t, req: req, name: name(req), ami: ami}
	sw := &stepSwitch{t: t, req: req, to: up.name}
	for i := range groups {
		if groups[i].Name == up.name {
			up.kept = &groups[i]
		} else {
			sw.others = append(sw.others, groups[i])
		}
	}
	var ready []targets.Replica
	err = steps.Run(ctx,
		up,
		steps.Func(func(ctx context.Context) (err error) {
			ready, err = t.waitHealthy(ctx, req, up.name)
			return err
		}),
		sw,
	)
	if err != nil {
		return nil, err
	}
	return ready, nil
}

// subnets are where the group's instances run: the target's, or the
// default VPC's.
func (t *Target) subnets(ctx context.Context, req targets.Request) ([]string, error) {
	if len(req.Target.ASG.Subnets) > 0 {
		return req.Target.ASG.Subnets, nil
	}
	if t.defaultSubnets != nil {
		return t.defaultSubnets, nil
	}
	out, err := t.EC2.DescribeSubnets(ctx, defaultSubnetsInput())
	if err != nil {
		return nil, fmt.Errorf("finding the default VPC's subnets in %q: %w", t.Region, err)
	}
	var ids []string
	for _, s := range out.Subnets {
		ids = append(ids, deref(s.SubnetId))
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%q has no default VPC subnets: set the target's subnets in bake.yaml", t.Region)
	}
	sort.Strings(ids)
	t.defaultSubnets = ids
	return ids, nil
}

// stepSwitch takes every other group of the environment out of the target
// groups once the new one is healthy: it stays running (warm) until Retire
// decides its fate. Cleanup puts them back if the deployment does not finish.
type stepSwitch struct {
	t        *Target
	req      targets.Request
	to       string  // the new group
	others   []Group // the environment's other groups, as Deploy found them
	detached map[string][]string
}

func (st *stepSwitch) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	st.detached = map[string][]string{}
	for i := range st.others {
		g := &st.others[i]
		tgs := attachedTo(g, st.req.Target.ASG.TargetGroups)
		if len(tgs) == 0 {
			continue
		}
		if err := st.t.detach(ctx, g.Name, tgs); err != nil {
			return steps.Halt(state, err)
		}
		st.detached[g.Name] = tgs
		st.t.step(progress.Switched, "switched: %s (%s) left the target groups; %s serves", g.Name, g.Version, st.to)
	}
	return multistep.ActionContinue
}

func (st *stepSwitch) Cleanup(state multistep.StateBag) {
	if !halted(state) {
		return
	}
	ctx, cancel := cleanupContext()
	defer cancel()
	for g, tgs := range st.detached {
		if err := st.t.attach(ctx, g, tgs); err != nil {
			st.t.say("warning: putting %s back into its target groups: %v", g, err)
		} else {
			st.t.step(progress.Switched, "put %s back into its target groups", g)
		}
	}
}
