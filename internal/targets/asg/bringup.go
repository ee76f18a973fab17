package asg

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/steps"
	"github.com/bakehq/bake/internal/targets"
)

// stepBringUp gives the release a group of the target's size in the target
// groups: a new launch template and group, or the group kept from an
// earlier deployment of the release, scaled back up and attached again.
// Cleanup undoes exactly that if the deployment does not finish.
type stepBringUp struct {
	t    *Target
	req  targets.Request
	name string
	ami  string
	kept *Group // the release's group as Deploy found it; nil if there is none

	createdTemplate bool
	createdGroup    bool
	resized         bool     // kept was resized; its earlier sizes are in kept
	attached        []string // target groups kept was attached to
}

func (st *stepBringUp) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	var err error
	if st.kept != nil {
		err = st.scaleUp(ctx)
	} else {
		err = st.create(ctx)
	}
	if err != nil {
		return steps.Halt(state, err)
	}
	return multistep.ActionContinue
}

// create makes the release's launch template and group. A launch template
// of that name left by a run that was killed is replaced, not reused: what
// it launches may predate a change of the target's instance type.
func (st *stepBringUp) create(ctx context.Context) error {
	t, req := st.t, st.req
	subnets, err := t.subnets(ctx, req)
	if err != nil {
		return err
	}
	tmpl, err := t.createTemplate(ctx, req, st.name, st.ami)
	if isCode(err, "InvalidLaunchTemplateName.AlreadyExistsException") {
		if err := t.deleteTemplate(ctx, st.name); err != nil {
			return err
		}
		t.step(progress.Retired, "deleted launch template %s left by an earlier run", st.name)
		tmpl, err = t.createTemplate(ctx, req, st.name, st.ami)
	}
	if err != nil {
		return fmt.Errorf("creating launch template %q: %w", st.name, err)
	}
	st.createdTemplate = true
	size := aws.Int32(int32(req.Target.Replicas))
	_, err = t.AutoScaling.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String(st.name),
		LaunchTemplate: &astypes.LaunchTemplateSpecification{
			LaunchTemplateName: aws.String(st.name), Version: aws.String(strconv.FormatInt(tmpl, 10)),
		},
		MinSize: size, MaxSize: size, DesiredCapacity: size,
		VPCZoneIdentifier: aws.String(strings.Join(subnets, ",")),
		TargetGroupARNs:   req.Target.ASG.TargetGroups,
		// Instances that fail the target groups' checks are replaced, after
		// the time the deployment gives them to become healthy.
		HealthCheckType:        aws.String("ELB"),
		HealthCheckGracePeriod: aws.Int32(int32(max(req.Target.HealthTimeout.Seconds(), 0))),
		Tags:                   t.tags(req, st.name),
	})
	if err != nil {
		return fmt.Errorf("creating Auto Scaling group %q: %w", st.name, err)
	}
	st.createdGroup = true
	t.step(progress.Started, "created Auto Scaling group %s (%d x %s from %s) in %d target group(s)",
		st.name, req.Target.Replicas, req.Target.ASG.InstanceType, st.ami, len(req.Target.ASG.TargetGroups))
	return nil
}

// scaleUp brings a kept group back: attached to the target groups again
// and sized like the target.
func (st *stepBringUp) scaleUp(ctx context.Context) error {
	t, req, g := st.t, st.req, st.kept
	if g.Status != "" {
		return fmt.Errorf("Auto Scaling group %q is being deleted (%s): try again once it is gone", g.Name, g.Status)
	}
	if g.Digest != "" && g.Digest != req.Release.Digest {
		return fmt.Errorf("Auto Scaling group %q runs %s, not %s@%s (%s): delete it, or give the target another group",
			g.Name, g.Digest, req.Image.Name, req.Release.Version, req.Release.Digest)
	}
	var missing []string
	for _, arn := range req.Target.ASG.TargetGroups {
		if !slices.Contains(g.TargetGroups, arn) {
			missing = append(missing, arn)
		}
	}
	if len(missing) > 0 {
		if err := t.attach(ctx, g.Name, missing); err != nil {
			return err
		}
		st.attached = missing
	}
	n := int32(req.Target.Replicas)
	if g.min != n || g.max != n || int32(g.Desired) != n {
		if err := t.resize(ctx, g.Name, n, n, n); err != nil {
			return err
		}
		st.resized = true
	}
	switch {
	case g.Desired == 0:
		t.step(progress.Started, "scaling Auto Scaling group %s (kept for rollback) back up to %d", g.Name, n)
	case len(missing) > 0:
		t.step(progress.Started, "putting Auto Scaling group %s (kept warm, %d running) back into the target groups", g.Name, g.Desired)
	}
	return nil
}

// Cleanup removes what Run made, or puts a kept group back as it was,
// unless the deployment finished.
func (st *stepBringUp) Cleanup(state multistep.StateBag) {
	if !halted(state) {
		return
	}
	t := st.t
	ctx, cancel := cleanupContext()
	defer cancel()
	if st.createdGroup {
		// Out of the target groups first, so its instances stop taking
		// traffic before they terminate (moto also forgets them only then).
		if err := t.detach(ctx, st.name, st.req.Target.ASG.TargetGroups); err != nil {
			t.say("warning: %v", err)
		}
		if err := t.deleteGroup(ctx, st.name); err != nil {
			t.say("warning: %v; delete it with `aws autoscaling delete-auto-scaling-group --force-delete --auto-scaling-group-name %s`", err, st.name)
		} else {
			t.step(progress.Retired, "deleted Auto Scaling group %s", st.name)
		}
	}
	if st.createdTemplate {
		if err := t.deleteTemplate(ctx, st.name); err != nil {
			t.say("warning: %v; delete it with `aws ec2 delete-launch-template --launch-template-name %s`", err, st.name)
		} else {
			t.step(progress.Retired, "deleted launch template %s", st.name)
		}
	}
	if len(st.attached) > 0 {
		if err := t.detach(ctx, st.name, st.attached); err != nil {
			t.say("warning: taking %s out of its target groups again: %v", st.name, err)
		}
	}
	if st.resized {
		g := st.kept
		if err := t.resize(ctx, g.Name, g.min, g.max, int32(g.Desired)); err != nil {
			t.say("warning: %v", err)
		} else {
			t.step(progress.Retired, "scaled Auto Scaling group %s back to %d", g.Name, g.Desired)
		}
	}
}

// createTemplate makes the release's launch template and returns its version.
func (t *Target) createTemplate(ctx context.Context, req targets.Request, name, ami string) (int64, error) {
	var tags []ec2types.Tag
	for _, tag := range t.tags(req, name) {
		tags = append(tags, ec2types.Tag{Key: tag.Key, Value: tag.Value})
	}
	data := &ec2types.RequestLaunchTemplateData{
		ImageId:          aws.String(ami),
		InstanceType:     ec2types.InstanceType(req.Target.ASG.InstanceType),
		SecurityGroupIds: req.Target.ASG.SecurityGroups,
		// Instances answer the metadata service with session tokens only.
		MetadataOptions: &ec2types.LaunchTemplateInstanceMetadataOptionsRequest{
			HttpTokens: ec2types.LaunchTemplateHttpTokensStateRequired,
		},
	}
	if p := req.Target.ASG.InstanceProfile; p != "" {
		data.IamInstanceProfile = &ec2types.LaunchTemplateIamInstanceProfileSpecificationRequest{Name: aws.String(p)}
	}
	out, err := t.EC2.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String(name),
		VersionDescription: aws.String(req.Image.Name + "@" + req.Release.Version),
		LaunchTemplateData: data,
		TagSpecifications:  []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeLaunchTemplate, Tags: tags}},
	})
	if err != nil {
		return 0, err
	}
	v := int64(1)
	if out.LaunchTemplate != nil && out.LaunchTemplate.LatestVersionNumber != nil {
		v = *out.LaunchTemplate.LatestVersionNumber
	}
	return v, nil
}

// deleteTemplate deletes a launch template; one already gone is not an error.
func (t *Target) deleteTemplate(ctx context.Context, name string) error {
	_, err := t.EC2.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateName: aws.String(name)})
	// moto answers MissingParameter for a name it does not know.
	if err != nil && !isCode(err, "InvalidLaunchTemplateName.NotFoundException", "InvalidLaunchTemplateId.NotFound", "MissingParameter") {
		return fmt.Errorf("deleting launch template %q: %w", name, err)
	}
	return nil
}

// deleteGroup deletes a group and terminates its instances.
func (t *Target) deleteGroup(ctx context.Context, name string) error {
	_, err := t.AutoScaling.DeleteAutoScalingGroup(ctx, &autoscaling.DeleteAutoScalingGroupInput{
		AutoScalingGroupName: aws.String(name), ForceDelete: aws.Bool(true),
	})
	if err != nil && !strings.Contains(err.Error(), "not found") {
		return fmt.Errorf("deleting Auto Scaling group %q: %w", name, err)
	}
	return nil
}

func (t *Target) resize(ctx context.Context, name string, minSize, maxSize, desired int32) error {
	_, err := t.AutoScaling.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String(name),
		MinSize:              aws.Int32(minSize), MaxSize: aws.Int32(maxSize), DesiredCapacity: aws.Int32(desired),
	})
	if err != nil {
		return fmt.Errorf("resizing Auto Scaling group %q to %d: %w", name, desired, err)
	}
	return nil
}

func (t *Target) attach(ctx context.Context, name string, tgs []string) error {
	_, err := t.AutoScaling.AttachLoadBalancerTargetGroups(ctx, &autoscaling.AttachLoadBalancerTargetGroupsInput{
		AutoScalingGroupName: aws.String(name), TargetGroupARNs: tgs,
	})
	if err != nil {
		return fmt.Errorf("attaching Auto Scaling group %q to its target groups: %w", name, err)
	}
	return nil
}

func (t *Target) detach(ctx context.Context, name string, tgs []string) error {
	_, err := t.AutoScaling.DetachLoadBalancerTargetGroups(ctx, &autoscaling.DetachLoadBalancerTargetGroupsInput{
		AutoScalingGroupName: aws.String(name), TargetGroupARNs: tgs,
	})
	if err != nil {
		return fmt.Errorf("detaching Auto Scaling group %q from its target groups: %w", name, err)
	}
	return nil
}

// halted reports whether the steps stopped before the end (an error, or
// the context cancelled).
func halted(state multistep.StateBag) bool {
	_, h := state.GetOk(multistep.StateHalted)
	_, c := state.GetOk(multistep.StateCancelled)
	return h || c
}

// cleanupContext is a fresh context for undoing a deployment, so Ctrl-C
// does not stop the cleanup it triggers.
func cleanupContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), cleanupTimeout)
}

// isCode reports whether err is an AWS API error with one of codes.
func isCode(err error, codes ...string) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return false
	}
	for _, c := range codes {
		if api.ErrorCode() == c {
			return true
		}
	}
	return false
}

func defaultSubnetsInput() *ec2.DescribeSubnetsInput {
	return &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{
		{Name: aws.String("default-for-az"), Values: []string{"true"}},
	}}
}

func deref(s *string) string { return aws.ToString(s) }
