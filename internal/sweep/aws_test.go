package sweep

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/mototest"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

// awsFixture is what a killed bake run left in moto, plus what must stay.
type awsFixture struct {
	c                               *awsx.Clients
	instance, managed               string
	group, key, template, usedLT    string
	leftAMI, recordedAMI, copiedAMI string
	otherProjectKey, youngKey       string
}

func bakeTags(resource ec2types.ResourceType, project, op, kind string, created time.Time) []ec2types.TagSpecification {
	return []ec2types.TagSpecification{{ResourceType: resource, Tags: []ec2types.Tag{
		{Key: aws.String(engine.LabelProject), Value: aws.String(project)},
		{Key: aws.String(engine.LabelOperation), Value: aws.String(op)},
		{Key: aws.String(engine.LabelKind), Value: aws.String(kind)},
		{Key: aws.String(engine.LabelCreated), Value: aws.String(created.UTC().Format(time.RFC3339))},
	}}}
}

func newAWSFixture(t *testing.T) *awsFixture {
	ctx := context.Background()
	mototest.Reset(t)
	cfg, err := awsx.Load(ctx, awsx.Settings{Region: "us-east-1", Endpoint: mototest.Endpoint(t)}, nil)
	require.NoError(t, err)
	c := awsx.NewClients(cfg)
	old := time.Now().Add(-3 * time.Hour)
	f := &awsFixture{c: c}

	imgs, err := c.EC2.DescribeImages(ctx, &ec2.DescribeImagesInput{})
	require.NoError(t, err)
	require.NotEmpty(t, imgs.Images, "moto serves default AMIs")
	source := aws.ToString(imgs.Images[0].ImageId)

	run := func(tags []ec2types.TagSpecification) string {
		out, err := c.EC2.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(source), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
			InstanceType: ec2types.InstanceTypeT3Micro, TagSpecifications: tags})
		require.NoError(t, err)
		return aws.ToString(out.Instances[0].InstanceId)
	}
	f.instance = run(bakeTags(ec2types.ResourceTypeInstance, "web", "op1", "ami-build", old))

	sg, err := c.EC2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("bake-op1"), Description: aws.String("build"),
		TagSpecifications: bakeTags(ec2types.ResourceTypeSecurityGroup, "web", "op1", "ami-build", old)})
	require.NoError(t, err)
	f.group = aws.ToString(sg.GroupId)

	key := func(name, project string, created time.Time) string {
		out, err := c.EC2.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String(name),
			TagSpecifications: bakeTags(ec2types.ResourceTypeKeyPair, project, "op1", "ami-build", created)})
		require.NoError(t, err)
		return aws.ToString(out.KeyPairId)
	}
	f.key = key("bake-op1", "web", old)
	f.otherProjectKey = key("bake-other", "other", old)
	f.youngKey = key("bake-young", "web", time.Now())

	lt := func(name string) (string, string) {
		out, err := c.EC2.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String(name),
			LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String(source), InstanceType: ec2types.InstanceTypeT3Micro},
			// Tagged as the asg target tags it: with its group's labels.
			TagSpecifications: bakeTags(ec2types.ResourceTypeLaunchTemplate, "web", "op1", engine.KindReplica, old)})
		require.NoError(t, err)
		return aws.ToString(out.LaunchTemplate.LaunchTemplateId), name
	}
	f.template, _ = lt("web-prod-v1.0.0")
	var usedName string
	f.usedLT, usedName = lt("web-prod-v1.1.0")
	subnets, err := c.EC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	require.NoError(t, err)
	_, err = c.AutoScaling.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String(usedName), MinSize: aws.Int32(1), MaxSize: aws.Int32(1), DesiredCapacity: aws.Int32(1),
		LaunchTemplate:    &asgtypes.LaunchTemplateSpecification{LaunchTemplateName: aws.String(usedName), Version: aws.String("$Latest")},
		VPCZoneIdentifier: subnets.Subnets[0].SubnetId,
	})
	require.NoError(t, err)

	image := func(name string, client *awsx.Clients) string {
		id := run(bakeTags(ec2types.ResourceTypeInstance, "web", "op1", "ami-build", old))
		out, err := client.EC2.CreateImage(ctx, &ec2.CreateImageInput{InstanceId: aws.String(id), Name: aws.String(name),
			TagSpecifications: bakeTags(ec2types.ResourceTypeImage, "web", "op1", "ami", old)})
		require.NoError(t, err)
		_, err = client.EC2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
		require.NoError(t, err)
		return aws.ToString(out.ImageId)
	}
	f.leftAMI = image("web-1.2.0-op1", c)
	f.recordedAMI = image("web-1.1.0-op0", c)
	west := c.In("us-west-2")
	copied, err := west.EC2.CopyImage(ctx, &ec2.CopyImageInput{Name: aws.String("web-1.2.0-op1"), SourceImageId: aws.String(f.leftAMI),
		SourceRegion: aws.String("us-east-1"), TagSpecifications: bakeTags(ec2types.ResourceTypeImage, "web", "op1", "ami", old)})
	require.NoError(t, err)
	f.copiedAMI = aws.ToString(copied.ImageId)
	// Tag the copy as the AMI builder does (moto drops CopyImage's tag specifications).
	_, err = west.EC2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{f.copiedAMI},
		Tags: bakeTags(ec2types.ResourceTypeImage, "web", "op1", "ami", old)[0].Tags})
	require.NoError(t, err)

	// The group's own instances carry bake's tags too, as the asg target makes them.
	groups, err := c.AutoScaling.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{usedName}})
	require.NoError(t, err)
	require.NotEmpty(t, groups.AutoScalingGroups[0].Instances)
	f.managed = aws.ToString(groups.AutoScalingGroups[0].Instances[0].InstanceId)
	return f
}

func (f *awsFixture) sweeper() *AWSSweeper {
	return &AWSSweeper{Clients: f.c, Regions: []string{"us-west-2"},
		Recorded: func(region, ami string) bool { return region == "us-east-1" && ami == f.recordedAMI },
		Known:    func(op string) bool { return op == "op1" }}
}

// A resource that carries bake's tags, but with an operation id no known
// bake run had, is listed and left alone: anyone can write those tags.
func TestAWSSweepLeavesUnknownOperations(t *testing.T) {
	f := newAWSFixture(t)
	ctx := context.Background()
	old := time.Now().Add(-3 * time.Hour)
	imgs, err := f.c.EC2.DescribeImages(ctx, &ec2.DescribeImagesInput{})
	require.NoError(t, err)
	run, err := f.c.EC2.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: imgs.Images[0].ImageId, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		InstanceType: ec2types.InstanceTypeT3Micro, TagSpecifications: bakeTags(ec2types.ResourceTypeInstance, "web", "planted", "ami-build", old)})
	require.NoError(t, err)
	planted := aws.ToString(run.Instances[0].InstanceId)
	sg, err := f.c.EC2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("prod-db"), Description: aws.String("db"),
		TagSpecifications: bakeTags(ec2types.ResourceTypeSecurityGroup, "web", "planted", "ami-build", old)})
	require.NoError(t, err)

	sw := f.sweeper()
	found, err := sw.Find(ctx, Selector{Project: "web", OlderThan: time.Hour})
	require.NoError(t, err)
	alone := map[string]string{}
	for _, l := range found {
		if l.LeftAlone != "" {
			alone[l.ID] = l.LeftAlone
		}
	}
	assert.Len(t, alone, 2, "the planted instance and group are reported: %v", found)
	assert.Contains(t, alone[planted], "operation planted is in neither the run journal nor the ledger")
	assert.Contains(t, alone, aws.ToString(sg.GroupId))

	require.NoError(t, sw.Remove(ctx, found))
	for _, l := range found {
		assert.Equal(t, l.LeftAlone == "", l.Removed, "%s %s", l.Resource, l.ID)
	}
	inst, err := f.c.EC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{planted, f.instance}})
	require.NoError(t, err)
	states := map[string]ec2types.InstanceStateName{}
	for _, r := range inst.Reservations {
		for _, i := range r.Instances {
			states[aws.ToString(i.InstanceId)] = i.State.Name
		}
	}
	assert.Equal(t, ec2types.InstanceStateNameRunning, states[planted], "the planted instance still runs")
	assert.Equal(t, ec2types.InstanceStateNameTerminated, states[f.instance], "bake's own leftover is removed")
	groups, err := f.c.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{aws.ToString(sg.GroupId)}})
	require.NoError(t, err)
	assert.Len(t, groups.SecurityGroups, 1, "the planted group stays")
}

func ids(found []Leftover) map[Resource][]string {
	out := map[Resource][]string{}
	for _, l := range found {
		out[l.Resource] = append(out[l.Resource], l.ID)
	}
	return out
}

func TestAWSSweepFindsOnlyUnreferencedLeftovers(t *testing.T) {
	f := newAWSFixture(t)
	ctx := context.Background()
	found, err := f.sweeper().Find(ctx, Selector{Project: "web", OlderThan: time.Hour})
	require.NoError(t, err)
	got := ids(found)
	assert.Contains(t, got[Instance], f.instance)
	assert.NotContains(t, got[Instance], f.managed, "an Auto Scaling group's instance is never swept")
	assert.Equal(t, []string{f.group}, got[SecurityGroup])
	assert.Equal(t, []string{f.key}, got[KeyPair], "not the other project's, not the young one")
	assert.Equal(t, []string{f.template}, got[LaunchTemplate], "not the one a group uses")
	assert.ElementsMatch(t, []string{f.leftAMI, f.copiedAMI}, got[AMI], "not the recorded one; the copy in us-west-2 too")
	assert.Equal(t, Instance, found[0].Resource, "instances come first")

	byOp, err := f.sweeper().Find(ctx, Selector{Project: "web", Operation: "op1"})
	require.NoError(t, err)
	assert.Contains(t, ids(byOp)[KeyPair], f.youngKey, "an operation selects whatever its age")
}

func TestAWSSweepRemoves(t *testing.T) {
	f := newAWSFixture(t)
	ctx := context.Background()
	sw := f.sweeper()
	found, err := sw.Find(ctx, Selector{Project: "web", OlderThan: time.Hour})
	require.NoError(t, err)
	require.NoError(t, sw.Remove(ctx, found))
	for _, l := range found {
		assert.True(t, l.Removed, "%s %s: %s", l.Resource, l.ID, l.Error)
	}
	again, err := sw.Find(ctx, Selector{Project: "web", OlderThan: time.Hour})
	require.NoError(t, err)
	assert.Empty(t, again)

	inst, err := f.c.EC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{f.instance, f.managed}})
	require.NoError(t, err)
	states := map[string]ec2types.InstanceStateName{}
	for _, r := range inst.Reservations {
		for _, i := range r.Instances {
			states[aws.ToString(i.InstanceId)] = i.State.Name
		}
	}
	assert.Equal(t, ec2types.InstanceStateNameTerminated, states[f.instance])
	assert.Equal(t, ec2types.InstanceStateNameRunning, states[f.managed])
	imgs, err := f.c.EC2.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{f.recordedAMI}})
	require.NoError(t, err)
	assert.Len(t, imgs.Images, 1, "the recorded AMI stays")
	lts, err := f.c.EC2.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{f.usedLT}})
	require.NoError(t, err)
	assert.Len(t, lts.LaunchTemplates, 1, "the launch template a group uses stays")
}
