// Package asg runs AMI releases on EC2 Auto Scaling groups, blue/green with
// one group per release (Spinnaker's server groups): each release gets its
// own launch template and group "<group>-v<version>", attached to the
// environment's load-balancer target groups. The new group must be in
// service and healthy in every target group before the old one leaves
// them; the old one is then kept warm (running, out of the target groups),
// scaled to zero, or deleted, as the environment's retention says, so a
// rollback scales a kept group back up instead of building anything.
package asg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/ec2check"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/targets"
	"github.com/bakehq/bake/internal/targets/ssmpointer"
)

// Defaults of the target's pacing.
const (
	// DefaultPoll is how often group and target health are read while
	// waiting; target groups check every 5-30 seconds themselves.
	DefaultPoll = 5 * time.Second
	// DefaultDrainTimeout bounds the wait for an old group's targets to
	// finish draining (the target group's deregistration delay, 300s by
	// default) before the group is scaled to zero or deleted.
	DefaultDrainTimeout = 6 * time.Minute
	// cleanupTimeout bounds the removal of what a failed deployment created.
	cleanupTimeout = 2 * time.Minute
)

// ErrNoAMI means the release has no AMI in the region the target runs in.
var ErrNoAMI = errors.New("no AMI")

// AutoScalingAPI is what the target asks of Auto Scaling; *autoscaling.Client has it.
type AutoScalingAPI interface {
	autoscaling.DescribeAutoScalingGroupsAPIClient
	autoscaling.DescribeScalingActivitiesAPIClient
	CreateAutoScalingGroup(context.Context, *autoscaling.CreateAutoScalingGroupInput, ...func(*autoscaling.Options)) (*autoscaling.CreateAutoScalingGroupOutput, error)
	UpdateAutoScalingGroup(context.Context, *autoscaling.UpdateAutoScalingGroupInput, ...func(*autoscaling.Options)) (*autoscaling.UpdateAutoScalingGroupOutput, error)
	DeleteAutoScalingGroup(context.Context, *autoscaling.DeleteAutoScalingGroupInput, ...func(*autoscaling.Options)) (*autoscaling.DeleteAutoScalingGroupOutput, error)
	AttachLoadBalancerTargetGroups(context.Context, *autoscaling.AttachLoadBalancerTargetGroupsInput, ...func(*autoscaling.Options)) (*autoscaling.AttachLoadBalancerTargetGroupsOutput, error)
	DetachLoadBalancerTargetGroups(context.Context, *autoscaling.DetachLoadBalancerTargetGroupsInput, ...func(*autoscaling.Options)) (*autoscaling.DetachLoadBalancerTargetGroupsOutput, error)
}

// EC2API is what the target asks of EC2; *ec2.Client has it.
type EC2API interface {
	ec2.DescribeSubnetsAPIClient
	CreateLaunchTemplate(context.Context, *ec2.CreateLaunchTemplateInput, ...func(*ec2.Options)) (*ec2.CreateLaunchTemplateOutput, error)
	DeleteLaunchTemplate(context.Context, *ec2.DeleteLaunchTemplateInput, ...func(*ec2.Options)) (*ec2.DeleteLaunchTemplateOutput, error)
}

// ELBAPI is what the target asks of Elastic Load Balancing; *elbv2.Client has it.
type ELBAPI interface {
	elbv2.DescribeTargetHealthAPIClient
}

// SSMAPI is what the target asks of SSM; *ssm.Client has it.
type SSMAPI = ssmpointer.API

// Target runs releases as Auto Scaling groups in one region.
type Target struct {
	AutoScaling AutoScalingAPI
	EC2         EC2API
	ELB         ELBAPI
	SSM         SSMAPI
	Region      string // the clients' region: the release's AMI of this region is launched
	Project     string
	Operation   string
	Progress    io.Writer // one line per step; may be nil
	// Poll and DrainTimeout default to DefaultPoll and DefaultDrainTimeout.
	Poll         time.Duration
	DrainTimeout time.Duration

	// EC2Check checks the target's instance type, subnets and security
	// groups against the region before anything is created; nil skips it.
	EC2Check EC2Checker

	defaultSubnets []string // the default VPC's subnets, once read
}

// EC2Checker checks bake.yaml's EC2 settings against the region.
type EC2Checker interface {
	Check(ctx context.Context, req ec2check.Request) (ec2types.Image, error)
}

// New returns the target on the clients of one region.
func New(c *awsx.Clients, project, operation string, progress io.Writer) *Target {
	return &Target{
		AutoScaling: c.AutoScaling, EC2: c.EC2, ELB: c.ELB, SSM: c.SSM, Region: c.Config.Region,
		Project: project, Operation: operation, Progress: progress, EC2Check: c.EC2Check,
	}
}

// Group is one release's Auto Scaling group.
type Group struct {
	Name         string            `json:"name"`
	Version      string            `json:"version"`
	Digest       string            `json:"digest"`
	Desired      int               `json:"desired"`
	TargetGroups []string          `json:"target_groups"` // ARNs it is attached to: it serves traffic there
	Instances    []targets.Replica `json:"instances"`     // Running: in service and healthy by Auto Scaling
	Created      time.Time         `json:"created"`
	Status       string            `json:"status,omitempty"` // set while AWS deletes it

	min, max       int32
	launchTemplate string
	operation      string // the bake run that created it
	project        string // its bake tags: "" for a group bake did not make
	env, image     string
}

// inService counts the group's instances that are in service.
func (g *Group) inService() int {
	n := 0
	for _, r := range g.Instances {
		if r.Running {
			n++
		}
	}
	return n
}

// instanceIDs lists the group's instances.
func (g *Group) instanceIDs() []string {
	ids := make([]string, len(g.Instances))
	for i, r := range g.Instances {
		ids[i] = r.ID
	}
	return ids
}

// GroupName is the Auto Scaling group, and launch template, of a release:
// "<group>-v<version>", with a build's "+" (not allowed in launch template
// names) made "_".
func GroupName(prefix, version string) string {
	return prefix + "-v" + strings.ReplaceAll(version, "+", "_")
}

// name is the group of req's release.
func name(req targets.Request) string { return GroupName(req.Target.ASG.Group, req.Release.Version) }

// Groups lists the groups of image in env, newest first.
func (t *Target) Groups(ctx context.Context, env, image string) ([]Group, error) {
	in := &autoscaling.DescribeAutoScalingGroupsInput{Filters: []astypes.Filter{
		{Name: aws.String("tag:" + engine.LabelProject), Values: []string{t.Project}},
		{Name: aws.String("tag:" + engine.LabelEnv), Values: []string{env}},
		{Name: aws.String("tag:" + engine.LabelImage), Values: []string{image}},
	}}
	out, err := t.describe(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("listing the Auto Scaling groups of %s in %q: %w", image, env, err)
	}
	sort.SliceStable(out, func(i, j int) bool { return newer(&out[i], &out[j]) })
	return out, nil
}

// newer orders groups by creation, newest first; groups created in the
// same instant by version.
func newer(a, b *Group) bool {
	return targets.Newer(targets.Kept{Name: a.Name, Version: a.Version, Created: a.Created},
		targets.Kept{Name: b.Name, Version: b.Version, Created: b.Created})
}

// group returns the group named name, or nil if there is none.
func (t *Target) group(ctx context.Context, name string) (*Group, error) {
	out, err := t.describe(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
	if err != nil {
		return nil, fmt.Errorf("reading Auto Scaling group %q: %w", name, err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return &out[0], nil
}

func (t *Target) describe(ctx context.Context, in *autoscaling.DescribeAutoScalingGroupsInput) ([]Group, error) {
	var out []Group
	pages := autoscaling.NewDescribeAutoScalingGroupsPaginator(t.AutoScaling, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, g := range page.AutoScalingGroups {
			out = append(out, groupOf(g))
		}
	}
	return out, nil
}

func groupOf(g astypes.AutoScalingGroup) Group {
	tags := map[string]string{}
	for _, tag := range g.Tags {
		tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	out := Group{
		Name: aws.ToString(g.AutoScalingGroupName), Version: tags[engine.LabelVersion], Digest: tags[engine.LabelDigest],
		Desired: int(aws.ToInt32(g.DesiredCapacity)), TargetGroups: slices.Clone(g.TargetGroupARNs),
		Instances: []targets.Replica{}, Created: aws.ToTime(g.CreatedTime), Status: aws.ToString(g.Status),
		min: aws.ToInt32(g.MinSize), max: aws.ToInt32(g.MaxSize), operation: tags[engine.LabelOperation],
		project: tags[engine.LabelProject], env: tags[engine.LabelEnv], image: tags[engine.LabelImage],
	}
	if out.TargetGroups == nil {
		out.TargetGroups = []string{}
	}
	if g.LaunchTemplate != nil {
		out.launchTemplate = aws.ToString(g.LaunchTemplate.LaunchTemplateName)
	}
	for _, i := range g.Instances {
		out.Instances = append(out.Instances, targets.Replica{
			ID: aws.ToString(i.InstanceId), Name: out.Name, Version: out.Version, Digest: out.Digest, Operation: out.operation,
			Running: i.LifecycleState == astypes.LifecycleStateInService && aws.ToString(i.HealthStatus) == "Healthy",
		})
	}
	sort.Slice(out.Instances, func(a, b int) bool { return out.Instances[a].ID < out.Instances[b].ID })
	return out
}

// tags are the tags of the group of req's release, propagated to its instances.
func (t *Target) tags(req targets.Request, name string) []astypes.Tag {
	labels := engine.Labels(t.Operation, engine.KindReplica, map[string]string{
		engine.LabelProject: t.Project, engine.LabelEnv: req.Env, engine.LabelImage: req.Image.Name,
		engine.LabelVersion: req.Release.Version, engine.LabelDigest: req.Release.Digest,
	})
	labels["Name"] = name
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]astypes.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, astypes.Tag{
			Key: aws.String(k), Value: aws.String(labels[k]), PropagateAtLaunch: aws.Bool(true),
			ResourceId: aws.String(name), ResourceType: aws.String("auto-scaling-group"),
		})
	}
	return out
}

// attachedTo returns the ARNs of tgs that g is attached to.
func attachedTo(g *Group, tgs []string) []string {
	var out []string
	for _, arn := range tgs {
		if slices.Contains(g.TargetGroups, arn) {
			out = append(out, arn)
		}
	}
	return out
}

// tgName shortens a target group ARN to its name, for messages.
func tgName(arn string) string {
	_, rest, ok := strings.Cut(arn, ":targetgroup/")
	if !ok {
		return arn
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}

func (t *Target) poll() time.Duration {
	if t.Poll > 0 {
		return t.Poll
	}
	return DefaultPoll
}

func (t *Target) say(format string, args ...any) { progress.Say(t.Progress, format, args...) }

// step writes a line that reports a step of the deployment, marked for the
// live view and the JSON events.
func (t *Target) step(k progress.Kind, format string, args ...any) {
	progress.Stepf(t.Progress, k, format, args...)
}

func (t *Target) mark(s progress.Step, format string, args ...any) {
	progress.Mark(t.Progress, s, format, args...)
}
