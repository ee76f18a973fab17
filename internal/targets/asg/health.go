package asg

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/targets"
)

// problem is an instance a target group does not report healthy.
type problem struct {
	targetGroup string
	id          string
	state       elbtypes.TargetHealthStateEnum
	reason      elbtypes.TargetHealthReasonEnum
	description string
}

func (p problem) String() string {
	s := fmt.Sprintf("%s is %s in %s", p.id, p.state, tgName(p.targetGroup))
	if p.reason != "" {
		s += fmt.Sprintf(" (%s: %s)", p.reason, p.description)
	}
	return s
}

// stopped reports a target whose instance is stopped or terminated: it
// cannot become healthy, so waiting longer is pointless.
func (p problem) stopped() bool {
	return p.state == elbtypes.TargetHealthStateEnumUnused && p.reason == elbtypes.TargetHealthReasonEnumInvalidState
}

// unhealthy asks every target group about the instances ids and returns
// each answer other than healthy: one DescribeTargetHealth per target group.
func (t *Target) unhealthy(ctx context.Context, tgs, ids []string) ([]problem, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	targets := make([]elbtypes.TargetDescription, len(ids))
	for i, id := range ids {
		targets[i] = elbtypes.TargetDescription{Id: aws.String(id)}
	}
	var out []problem
	for _, arn := range tgs {
		res, err := t.ELB.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(arn), Targets: targets})
		if err != nil {
			return nil, fmt.Errorf("reading target health in %s: %w", tgName(arn), err)
		}
		for _, d := range res.TargetHealthDescriptions {
			h := d.TargetHealth
			if h == nil || h.State == elbtypes.TargetHealthStateEnumHealthy {
				continue
			}
			out = append(out, problem{targetGroup: arn, id: aws.ToString(d.Target.Id), state: h.State, reason: h.Reason,
				description: aws.ToString(h.Description)})
		}
	}
	return out, nil
}

// waitHealthy waits until the group has the target's number of instances in
// service and every one is healthy in every target group, within the
// target's health timeout, and returns them. A target reported stopped or
// terminated fails at once.
func (t *Target) waitHealthy(ctx context.Context, req targets.Request, name string) ([]targets.Replica, error) {
	timeout := req.Target.HealthTimeout
	if timeout <= 0 {
		timeout = config.DefaultHealthTimeout
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	want := req.Target.Replicas
	why := "no instance in service yet"
	for {
		ready, reason, err := t.healthOf(wctx, req, name, want)
		switch {
		case ready != nil:
			t.step(progress.Healthy, "%s: %d instance(s) in service and healthy in %d target group(s) after %s",
				name, len(ready), len(req.Target.ASG.TargetGroups), time.Since(start).Round(time.Second))
			return ready, nil
		case err != nil && wctx.Err() == nil:
			return nil, err
		case err != nil && ctx.Err() != nil:
			return nil, targets.Interrupted(ctx, fmt.Sprintf("the instances of Auto Scaling group %s", name))
		case reason != "":
			why = reason
		}
		select {
		case <-wctx.Done():
			if ctx.Err() != nil {
				return nil, targets.Interrupted(ctx, fmt.Sprintf("the instances of Auto Scaling group %s", name))
			}
			return nil, fmt.Errorf("%w: Auto Scaling group %s was not healthy within %s: %s%s",
				targets.ErrUnhealthy, name, timeout, why, t.lastFailure(name))
		case <-time.After(t.poll()):
		}
	}
}

// healthOf returns the group's instances once enough are in service and
// healthy everywhere; otherwise why not.
func (t *Target) healthOf(ctx context.Context, req targets.Request, name string, want int) ([]targets.Replica, string, error) {
	g, err := t.group(ctx, name)
	if err != nil {
		return nil, "", err
	}
	if g == nil {
		return nil, "", fmt.Errorf("Auto Scaling group %q disappeared while bake waited for it", name)
	}
	var in []targets.Replica
	var ids []string
	for _, r := range g.Instances {
		if r.Running {
			in = append(in, r)
			ids = append(ids, r.ID)
		}
	}
	if len(in) < want {
		return nil, fmt.Sprintf("%d of %d instances in service", len(in), want), nil
	}
	probs, err := t.unhealthy(ctx, req.Target.ASG.TargetGroups, ids)
	if err != nil {
		return nil, "", err
	}
	if len(probs) == 0 {
		return in, "", nil
	}
	for _, p := range probs {
		if p.stopped() {
			return nil, "", fmt.Errorf("%w: Auto Scaling group %s: %s", targets.ErrUnhealthy, name, p)
		}
	}
	return nil, describeProblems(probs), nil
}

func describeProblems(probs []problem) string {
	var parts []string
	for i, p := range probs {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(probs)-i))
			break
		}
		parts = append(parts, p.String())
	}
	return strings.Join(parts, "; ")
}

// lastFailure names the group's last failed scaling activity, which says
// why instances did not launch (an AMI deregistered, no capacity, ...).
func (t *Target) lastFailure(name string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := t.AutoScaling.DescribeScalingActivities(ctx, &autoscaling.DescribeScalingActivitiesInput{
		AutoScalingGroupName: aws.String(name), MaxRecords: aws.Int32(5),
	})
	if err != nil {
		return ""
	}
	for _, a := range out.Activities {
		if a.StatusCode == astypes.ScalingActivityStatusCodeFailed || a.StatusCode == astypes.ScalingActivityStatusCodeCancelled {
			return "; last failed scaling activity: " + aws.ToString(a.StatusMessage)
		}
	}
	return ""
}

// Watch reads the target health of the release's instances in every target
// group, every poll interval, for period after the switch. It fails as
// soon as any instance is reported anything but healthy (or initial, which
// an instance Auto Scaling just launched as a replacement is).
func (t *Target) Watch(ctx context.Context, req targets.Request, replicas []targets.Replica, period time.Duration) error {
	ids := make([]string, len(replicas))
	for i, r := range replicas {
		ids[i] = r.ID
	}
	if len(ids) == 0 {
		return nil
	}
	start := time.Now()
	t.mark(progress.Step{Kind: progress.Watch, Begins: true, Period: period, What: req.Image.Name + "@" + req.Release.Version},
		"watching %s@%s in its target groups for %s", req.Image.Name, req.Release.Version, period)
	for {
		probs, err := t.unhealthy(ctx, req.Target.ASG.TargetGroups, ids)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		for _, p := range probs {
			if p.state != elbtypes.TargetHealthStateEnumInitial {
				return fmt.Errorf("%s %s after the switch", p, time.Since(start).Round(time.Second))
			}
		}
		if time.Since(start) >= period {
			t.step(progress.Watch, "%s@%s stayed healthy for %s", req.Image.Name, req.Release.Version, period)
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(min(t.poll(), period-time.Since(start))):
		}
	}
}

// waitDrained waits until no instance of g is draining in the target
// groups, so that stopping it drops no request a load balancer sent it
// before the switch. It gives up, with a warning, after DrainTimeout.
func (t *Target) waitDrained(ctx context.Context, g *Group, tgs []string) error {
	limit := t.DrainTimeout
	if limit <= 0 {
		limit = DefaultDrainTimeout
	}
	start := time.Now()
	for {
		probs, err := t.unhealthy(ctx, tgs, g.instanceIDs())
		if err != nil {
			return err
		}
		draining := 0
		for _, p := range probs {
			if p.state == elbtypes.TargetHealthStateEnumDraining || p.state == elbtypes.TargetHealthStateEnumUnhealthyDraining {
				draining++
			}
		}
		if draining == 0 {
			return nil
		}
		if time.Since(start) >= limit {
			t.say("warning: %d instance(s) of %s still draining after %s; going on", draining, g.Name, limit)
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(t.poll()):
		}
	}
}
