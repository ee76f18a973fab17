package cli

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/targets"
	"github.com/bakehq/bake/internal/targets/asg"
)

// fillASG reads the Auto Scaling groups of image in env: their instances
// are the environment's replicas. It reports whether it could.
func (lv *liveView) fillASG(ctx context.Context, es *envStatus, env, image string) error {
	if lv.asg == nil {
		return lv.awsErr
	}
	groups, err := lv.asg.Groups(ctx, env, image)
	if err != nil {
		return err
	}
	es.Groups = groups
	for _, g := range groups {
		es.Replicas = append(es.Replicas, g.Instances...)
	}
	return nil
}

// asgDriftOf compares an environment's record with its Auto Scaling
// groups: the recorded release's group holds the target's number of
// instances in service and is in every target group, and no other group
// is in any of them.
func asgDriftOf(es envStatus, tgt *config.Target) []string {
	var drift []string
	want := ""
	if es.Version != "" {
		want = asg.GroupName(tgt.ASG.Group, es.Version)
	}
	found := false
	for _, g := range es.Groups {
		in := attached(g, tgt.ASG.TargetGroups)
		if g.Name != want {
			if len(in) > 0 {
				drift = append(drift, fmt.Sprintf("Auto Scaling group %s (%s) is in target group(s) %s, but the record says %s runs",
					g.Name, g.Version, strings.Join(in, ", "), orNone(es.Version)))
			}
			continue
		}
		found = true
		if n := inService(g); n != tgt.Replicas {
			drift = append(drift, fmt.Sprintf("the record says %d instances of %s in service, Auto Scaling group %s has %d",
				tgt.Replicas, es.Version, g.Name, n))
		}
		if len(in) != len(tgt.ASG.TargetGroups) {
			drift = append(drift, fmt.Sprintf("Auto Scaling group %s of %s is in %d of its %d target group(s)",
				g.Name, es.Version, len(in), len(tgt.ASG.TargetGroups)))
		}
	}
	if want != "" && !found {
		drift = append(drift, fmt.Sprintf("the record says %s runs, but its Auto Scaling group %s does not exist", es.Version, want))
	}
	return drift
}

// attached lists the target groups (by name) of tgs that g is in.
func attached(g asg.Group, tgs []string) []string {
	var out []string
	for _, arn := range tgs {
		if slices.Contains(g.TargetGroups, arn) {
			out = append(out, targetGroupName(arn))
		}
	}
	return out
}

func inService(g asg.Group) int {
	n := 0
	for _, r := range g.Instances {
		if r.Running {
			n++
		}
	}
	return n
}

// targetGroupName shortens a target group ARN to its name, for messages.
func targetGroupName(arn string) string {
	if _, rest, ok := strings.Cut(arn, ":targetgroup/"); ok {
		name, _, _ := strings.Cut(rest, "/")
		return name
	}
	return arn
}

// printGroups lists the Auto Scaling groups of each environment.
func printGroups(w io.Writer, envs []envStatus) {
	for _, es := range envs {
		for _, g := range es.Groups {
			where := "out of the target groups"
			if len(g.TargetGroups) > 0 {
				where = "in " + strings.Join(attached(g, g.TargetGroups), ", ")
			}
			// No tabs: the lines stay out of the table's columns.
			fmt.Fprintf(w, "  %s: group %s (%s): %d of %d in service, %s%s\n", es.Env, g.Name, g.Version,
				inService(g), g.Desired, where, instanceList(g.Instances))
		}
	}
}

func instanceList(rs []targets.Replica) string {
	if len(rs) == 0 {
		return ""
	}
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ": " + strings.Join(ids, " ")
}
