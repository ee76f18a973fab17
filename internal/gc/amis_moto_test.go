package gc

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/sqlite"
	"github.com/bakehq/bake/internal/mototest"
)

// amiRegions are where the test's AMIs are: made in the first, copied to the others.
var amiRegions = []string{"us-east-1", "us-west-2", "eu-west-1"}

// TestAMIsOnMoto removes, on moto, the AMIs of a release nothing keeps in
// the three regions it recorded, with their snapshots, records the
// removal, and leaves alone an AMI that a launch template version of one
// of the project's Auto Scaling groups still uses, though the record
// keeps its release no longer.
func TestAMIsOnMoto(t *testing.T) {
	ctx := t.Context()
	cfg, err := awsx.Load(ctx, awsx.Settings{Region: amiRegions[0], Endpoint: mototest.Endpoint(t)}, nil)
	require.NoError(t, err)
	clients := awsx.NewClients(cfg)
	project := "gc-" + time.Now().Format("150405.000000")[7:]

	old := makeAMIs(t, clients, project+"-0.9.0")  // nothing keeps it
	held := makeAMIs(t, clients, project+"-1.0.0") // a group's launch template keeps it
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	amis := map[string]map[string]string{"0.9.0": old, "1.0.0": held,
		"1.1.0": {"us-east-1": "ami-11111111"}, "1.2.0": {"us-east-1": "ami-12121212"}}
	for i, v := range []string{"0.9.0", "1.0.0", "1.1.0", "1.2.0"} {
		r := rel("svc", v)
		r.AMIs, r.CreatedAt = amis[v], t0.Add(time.Duration(i)*time.Minute)
		require.NoError(t, store.PutRelease(ctx, r))
		_, err := store.AppendDeployment(ctx, ledger.Deployment{Env: "dev", Image: "svc", Version: v, Digest: r.Digest,
			Kind: ledger.KindPromote, Outcome: ledger.OutcomeSucceeded, StartedAt: r.CreatedAt, FinishedAt: r.CreatedAt, By: "ci"})
		require.NoError(t, err)
	}
	heldBy := keptGroup(t, clients, project, held[amiRegions[0]])

	p := &config.Project{Name: project, Images: []*config.Image{{Name: "svc"}},
		Environments: []*config.Environment{{Name: "dev", Retention: config.Retention{Releases: 1},
			Targets: map[string]*config.Target{"svc": {}}}}}
	c := &Collector{Project: p, Ledger: store, AMIs: true, User: "ci", Operation: "op-gc",
		AWS: func(context.Context) (*AWS, error) { return AWSOf(clients), nil }}
	find := func() (*Protection, []Item) {
		histories, err := c.histories(ctx)
		require.NoError(t, err)
		prot := Protect(p.Environments, histories)
		items, err := c.findAMIs(ctx, newCatalog(p, histories), prot)
		require.NoError(t, err)
		return prot, items
	}

	prot, items := find()
	require.Len(t, items, 1, "%+v", items)
	it := items[0]
	assert.Equal(t, []string{"svc@0.9.0"}, it.Releases)
	assert.Equal(t, old, it.AMIs)
	assert.Empty(t, it.Error)
	for _, region := range amiRegions {
		assert.NotEmpty(t, it.Snapshots[region], "the AMI's snapshots in %s", region)
	}
	reasons := map[string][]string{}
	for _, k := range prot.Kept {
		reasons[k.Version] = append(reasons[k.Version], k.Reasons...)
	}
	assert.Equal(t, []string{"runs in dev", "newest release"}, reasons["1.2.0"])
	assert.Equal(t, []string{"AMI us-east-1 " + held["us-east-1"] + " is in launch template " + heldBy + " version 1 of Auto Scaling group " + heldBy},
		reasons["1.0.0"], "kept by the group's launch template alone")

	require.NoError(t, c.Remove(ctx, items))
	assert.True(t, items[0].Removed)
	for _, region := range amiRegions {
		assert.False(t, amiExists(t, clients, region, old[region]), "0.9.0's AMI in %s is deregistered", region)
		for _, snap := range it.Snapshots[region] {
			assert.False(t, snapshotExists(t, clients, region, snap), "snapshot %s in %s is deleted", snap, region)
		}
		assert.True(t, amiExists(t, clients, region, held[region]), "1.0.0's AMI in %s stays", region)
	}
	removal, err := store.AMIRemoval(ctx, "svc", "0.9.0")
	require.NoError(t, err)
	assert.Equal(t, old, removal.AMIs)
	assert.Equal(t, "op-gc", removal.Operation)
	assert.Equal(t, "ci", removal.By)
	rep, err := store.ReadChain(ctx)
	require.NoError(t, err)
	assert.True(t, ledger.Verify(rep, "").OK(), "the removal is in the hash chain")

	_, items = find()
	assert.Empty(t, items, "a removed release is not listed again")
}

// makeAMIs makes an AMI in the first region from an instance of a
// source AMI moto serves, copies it to the others, and returns them by region.
func makeAMIs(t *testing.T, c *awsx.Clients, name string) map[string]string {
	t.Helper()
	ctx := t.Context()
	src, err := c.EC2.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"},
		Filters: []ec2types.Filter{{Name: aws.String("name"), Values: []string{"amzn2-ami-hvm-*-x86_64-gp2"}}}})
	require.NoError(t, err)
	require.NotEmpty(t, src.Images)
	run, err := c.EC2.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: src.Images[0].ImageId, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		InstanceType: ec2types.InstanceTypeT3Micro})
	require.NoError(t, err)
	img, err := c.EC2.CreateImage(ctx, &ec2.CreateImageInput{InstanceId: run.Instances[0].InstanceId, Name: aws.String(name)})
	require.NoError(t, err)
	_, err = c.EC2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{aws.ToString(run.Instances[0].InstanceId)}})
	require.NoError(t, err)
	out := map[string]string{amiRegions[0]: aws.ToString(img.ImageId)}
	for _, region := range amiRegions[1:] {
		cp, err := c.In(region).EC2.CopyImage(ctx, &ec2.CopyImageInput{Name: aws.String(name), SourceImageId: img.ImageId,
			SourceRegion: aws.String(amiRegions[0])})
		require.NoError(t, err)
		out[region] = aws.ToString(cp.ImageId)
	}
	return out
}

// keptGroup makes an Auto Scaling group of the project, scaled to zero as
// bake keeps one for a rollback, whose launch template launches ami, and
// returns its name (the template's too).
func keptGroup(t *testing.T, c *awsx.Clients, project, ami string) string {
	t.Helper()
	ctx := t.Context()
	name := project + "-dev-svc-v1.0.0"
	_, err := c.EC2.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String(name),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String(ami), InstanceType: ec2types.InstanceTypeT3Micro}})
	require.NoError(t, err)
	_, err = c.AutoScaling.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String(name), MinSize: aws.Int32(0), MaxSize: aws.Int32(1), DesiredCapacity: aws.Int32(0),
		AvailabilityZones: []string{amiRegions[0] + "a"},
		LaunchTemplate:    &astypes.LaunchTemplateSpecification{LaunchTemplateName: aws.String(name), Version: aws.String("1")},
		Tags: []astypes.Tag{{Key: aws.String(engine.LabelProject), Value: aws.String(project), PropagateAtLaunch: aws.Bool(true),
			ResourceId: aws.String(name), ResourceType: aws.String("auto-scaling-group")}},
	})
	require.NoError(t, err)
	return name
}

func amiExists(t *testing.T, c *awsx.Clients, region, id string) bool {
	t.Helper()
	out, err := c.In(region).EC2.DescribeImages(t.Context(), &ec2.DescribeImagesInput{ImageIds: []string{id}})
	if isCode(err, "InvalidAMIID.NotFound") {
		return false
	}
	require.NoError(t, err)
	return len(out.Images) > 0
}

func snapshotExists(t *testing.T, c *awsx.Clients, region, id string) bool {
	t.Helper()
	out, err := c.In(region).EC2.DescribeSnapshots(t.Context(), &ec2.DescribeSnapshotsInput{SnapshotIds: []string{id}})
	if isCode(err, "InvalidSnapshot.NotFound") {
		return false
	}
	require.NoError(t, err)
	return len(out.Snapshots) > 0
}
