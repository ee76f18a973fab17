package asg

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/autoscaling"

	"github.com/bakehq/bake/internal/config"
)

// observed reads every Auto Scaling group of the region once and splits
// it into the groups of image in env (newest first) and the others
// attached to any of tgs: another project's, another environment's or
// image's, or one bake did not make. Tags cannot filter the latter, and
// Auto Scaling cannot filter by target group, so one listing serves both.
func (t *Target) observed(ctx context.Context, env, image string, tgs []string) (own, foreign []Group, err error) {
	all, err := t.describe(ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
	if err != nil {
		return nil, nil, fmt.Errorf("listing the Auto Scaling groups of %s in %q: %w", image, env, err)
	}
	for _, g := range all {
		switch {
		case g.project == t.Project && g.env == env && g.image == image:
			own = append(own, g)
		case len(attachedTo(&g, tgs)) > 0:
			foreign = append(foreign, g)
		}
	}
	sort.SliceStable(own, func(i, j int) bool { return newer(&own[i], &own[j]) })
	sort.Slice(foreign, func(i, j int) bool { return foreign[i].Name < foreign[j].Name })
	return own, foreign, nil
}

// foreignDrift says, for each group in foreign, which of tgt's target
// groups it is in though it is not the environment's (project is bake's
// project; version is the recorded release, "" for none).
func foreignDrift(project, version string, foreign []Group, tgt *config.Target) []string {
	var drift []string
	for _, g := range foreign {
		drift = append(drift, fmt.Sprintf("Auto Scaling group %s (%s) is in target group(s) %s, but the record says %s runs",
			g.Name, owner(project, &g), strings.Join(tgNames(attachedTo(&g, tgt.ASG.TargetGroups)), ", "), orNone(version)))
	}
	return drift
}

// owner says whose a group is when it is not one of the environment's own.
func owner(project string, g *Group) string {
	switch {
	case g.project == "":
		return "not made by bake"
	case g.project != project:
		return "of project " + g.project
	default:
		return fmt.Sprintf("%s@%s in %s", g.image, orNone(g.Version), orNone(g.env))
	}
}
