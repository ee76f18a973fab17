// What the AWS end-to-end test reads back from moto: instances, leftovers,
// groups and pointers.

package e2e

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/builder/ami"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/targets/asg"
	"github.com/bakehq/bake/internal/targets/ssmpointer"
)

// instances maps the project's instances of a kind (and operation, unless
// "") to their state, terminated ones included.
func (p *awsProject) instances(kind, op string) map[string]ec2types.InstanceStateName {
	filters := []ec2types.Filter{
		{Name: aws.String("tag:" + engine.LabelProject), Values: []string{p.name}},
		{Name: aws.String("tag:" + engine.LabelKind), Values: []string{kind}},
	}
	if op != "" {
		filters = append(filters, ec2types.Filter{Name: aws.String("tag:" + engine.LabelOperation), Values: []string{op}})
	}
	out, err := p.aws.EC2.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{Filters: filters})
	require.NoError(p.t, err)
	m := map[string]ec2types.InstanceStateName{}
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			m[aws.ToString(i.InstanceId)] = i.State.Name
		}
	}
	return m
}

// liveBuilds lists the project's build instances that are pending or
// running; none when moto does not answer (it is safe in a goroutine).
func (p *awsProject) liveBuilds(ctx context.Context) []string {
	out, err := p.aws.EC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag:" + engine.LabelProject), Values: []string{p.name}},
		{Name: aws.String("tag:" + engine.LabelKind), Values: []string{ami.KindBuild}},
		{Name: aws.String("instance-state-name"), Values: []string{"pending", "running"}},
	}})
	if err != nil {
		return nil
	}
	var ids []string
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			ids = append(ids, aws.ToString(i.InstanceId))
		}
	}
	return ids
}

// leftovers maps what operation op left in the build region (a live
// instance, key pair, security group; sweep's resource names) to its id.
func (p *awsProject) leftovers(op string) map[string]string {
	t := p.t
	t.Helper()
	ctx := t.Context()
	left := map[string]string{}
	for id, state := range p.instances(ami.KindBuild, op) {
		if state != ec2types.InstanceStateNameTerminated {
			left["instance"] = id
		}
	}
	byOp := []ec2types.Filter{{Name: aws.String("tag:" + engine.LabelOperation), Values: []string{op}}}
	keys, err := p.aws.EC2.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{Filters: byOp})
	require.NoError(t, err)
	for _, k := range keys.KeyPairs {
		left["key-pair"] = aws.ToString(k.KeyPairId)
	}
	groups, err := p.aws.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: byOp})
	require.NoError(t, err)
	for _, g := range groups.SecurityGroups {
		left["security-group"] = aws.ToString(g.GroupId)
	}
	return left
}

// assertNothingOf checks that operation op left nothing in either region:
// no instance that is not terminated, no key pair, security group, volume,
// AMI or snapshot tagged with it.
func (p *awsProject) assertNothingOf(op string) {
	t := p.t
	t.Helper()
	ctx := t.Context()
	byOp := []ec2types.Filter{{Name: aws.String("tag:" + engine.LabelOperation), Values: []string{op}}}
	for _, region := range []string{awsRegion, copyRegion} {
		api := p.aws.In(region).EC2
		instances, err := api.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: append(byOp, ec2types.Filter{
			Name: aws.String("instance-state-name"), Values: []string{"pending", "running", "stopping", "stopped", "shutting-down"}})})
		require.NoError(t, err)
		assert.Empty(t, instances.Reservations, "instances of %s in %s", op, region)
		keys, err := api.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{Filters: byOp})
		require.NoError(t, err)
		assert.Empty(t, keys.KeyPairs, "key pairs of %s in %s", op, region)
		groups, err := api.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: byOp})
		require.NoError(t, err)
		assert.Empty(t, groups.SecurityGroups, "security groups of %s in %s", op, region)
		volumes, err := api.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{Filters: byOp})
		require.NoError(t, err)
		assert.Empty(t, volumes.Volumes, "volumes of %s in %s", op, region)
		images, err := api.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"self"}, Filters: byOp})
		require.NoError(t, err)
		assert.Empty(t, images.Images, "AMIs of %s in %s", op, region)
		snaps, err := api.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}, Filters: byOp})
		require.NoError(t, err)
		assert.Empty(t, snaps.Snapshots, "snapshots of %s in %s", op, region)
	}
}

// assertNoBuildResources checks that no build instance runs and no key
// pair or security group of a build of the project is left, by tag and by
// name, in either region.
func (p *awsProject) assertNoBuildResources(version string) {
	t := p.t
	t.Helper()
	ctx := t.Context()
	for id, state := range p.instances(ami.KindBuild, "") {
		assert.Equal(t, ec2types.InstanceStateNameTerminated, state, "after %s: build instance %s", version, id)
	}
	prefix := "bake-" + p.name + "-"
	for _, region := range []string{awsRegion, copyRegion} {
		api := p.aws.In(region).EC2
		keys, err := api.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{})
		require.NoError(t, err)
		for _, k := range keys.KeyPairs {
			assert.False(t, strings.HasPrefix(aws.ToString(k.KeyName), prefix), "after %s: key pair %s in %s", version, aws.ToString(k.KeyName), region)
			assert.NotEqual(t, p.name, tagValue(k.Tags, engine.LabelProject), "after %s: key pair %s in %s", version, aws.ToString(k.KeyName), region)
		}
		groups, err := api.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{})
		require.NoError(t, err)
		for _, g := range groups.SecurityGroups {
			assert.False(t, strings.HasPrefix(aws.ToString(g.GroupName), prefix), "after %s: security group %s in %s", version, aws.ToString(g.GroupName), region)
			assert.NotEqual(t, p.name, tagValue(g.Tags, engine.LabelProject), "after %s: security group %s in %s", version, aws.ToString(g.GroupName), region)
		}
	}
}

// show returns what `bake show web@version -o json` says.
func (p *awsProject) show(version string) awsShowDoc {
	p.t.Helper()
	var doc awsShowDoc
	decodeOne(p.t, mustBakeAWS(p.t, p, "show", "web@"+version, "-o", "json").stdout, &doc)
	return doc
}

// group reads env's Auto Scaling group of version from moto.
func (p *awsProject) group(env, version string) astypes.AutoScalingGroup {
	t := p.t
	t.Helper()
	name := asg.GroupName(p.name+"-"+env+"-web", version)
	out, err := p.aws.AutoScaling.DescribeAutoScalingGroups(t.Context(), &autoscaling.DescribeAutoScalingGroupsInput{
		AutoScalingGroupNames: []string{name}})
	require.NoError(t, err)
	require.Len(t, out.AutoScalingGroups, 1, "Auto Scaling group %s", name)
	return out.AutoScalingGroups[0]
}

// assertRunning checks that the group has its 2 instances, in service.
func (p *awsProject) assertRunning(g astypes.AutoScalingGroup) {
	t := p.t
	t.Helper()
	assert.EqualValues(t, 2, aws.ToInt32(g.DesiredCapacity), "%s", aws.ToString(g.AutoScalingGroupName))
	require.Len(t, g.Instances, 2, "%s", aws.ToString(g.AutoScalingGroupName))
	for _, i := range g.Instances {
		assert.Equal(t, astypes.LifecycleStateInService, i.LifecycleState, "%s: %s", aws.ToString(g.AutoScalingGroupName), aws.ToString(i.InstanceId))
	}
}

// assertServing checks that env's group of version runs in service and is
// the one group in env's target group, and that every instance of that
// target group is one of its instances.
func (p *awsProject) assertServing(env, version string) {
	t := p.t
	t.Helper()
	g := p.group(env, version)
	p.assertRunning(g)
	assert.Equal(t, []string{p.targets[env]}, g.TargetGroupARNs, "%s serves in %s", aws.ToString(g.AutoScalingGroupName), env)
	out, err := p.aws.ELB.DescribeTargetHealth(t.Context(), &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(p.targets[env])})
	require.NoError(t, err)
	var want, got []string
	for _, i := range g.Instances {
		want = append(want, aws.ToString(i.InstanceId))
	}
	for _, d := range out.TargetHealthDescriptions {
		if d.TargetHealth.State != elbtypes.TargetHealthStateEnumDraining {
			got = append(got, aws.ToString(d.Target.Id))
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	assert.Equal(t, want, got, "the target group of %s holds the instances of %s only", env, version)
}

// assertWarm checks that env's group of version still runs but is out of
// the target groups.
func (p *awsProject) assertWarm(env, version string) {
	t := p.t
	t.Helper()
	g := p.group(env, version)
	p.assertRunning(g)
	assert.Empty(t, g.TargetGroupARNs, "%s is kept warm, out of the target groups", aws.ToString(g.AutoScalingGroupName))
}

// assertPointer checks env's SSM parameter.
func (p *awsProject) assertPointer(env, version string, amis map[string]string) {
	t := p.t
	t.Helper()
	name := ssmpointer.Name(p.name, "web", env)
	out, err := p.aws.SSM.GetParameter(t.Context(), &ssm.GetParameterInput{Name: aws.String(name)})
	require.NoError(t, err, name)
	var ptr ssmpointer.Pointer
	require.NoError(t, json.Unmarshal([]byte(aws.ToString(out.Parameter.Value)), &ptr), aws.ToString(out.Parameter.Value))
	assert.Equal(t, version, ptr.Version, name)
	assert.Equal(t, amis, ptr.AMIs, name)
}

func tagValue(tags []ec2types.Tag, key string) string {
	for _, tag := range tags {
		if aws.ToString(tag.Key) == key {
			return aws.ToString(tag.Value)
		}
	}
	return ""
}
