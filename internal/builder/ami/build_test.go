package ami

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/builder"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/engine"
)

const (
	buildRegion = "us-east-1"
	copyRegion  = "us-west-2"
	// amazonLinux matches two of moto's own images, created in the same second.
	amazonLinux = `{filters: {name: "amzn2-ami-hvm-*-x86_64-gp2"}, owners: [amazon]}`
)

var opSeq atomic.Int64

// fixture is one image definition with an ami.yaml, in directories of its own.
type fixture struct {
	spec    builder.Spec
	builder *Builder
}

// newFixture writes recipe as ami.yaml and a provision.sh into the build
// context, for an image with a unique name and operation id.
func newFixture(t *testing.T, recipe string) *fixture {
	t.Helper()
	endpoint := motoEndpoint(t)
	dir := t.TempDir()
	tmpl, ctxDir := filepath.Join(dir, "template"), filepath.Join(dir, "context")
	require.NoError(t, os.MkdirAll(tmpl, 0o755))
	require.NoError(t, os.MkdirAll(ctxDir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(tmpl, Template), []byte(recipe), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(ctxDir, "provision.sh"), []byte("#!/bin/sh\necho provisioned > /etc/motd\n"), 0o755))
	n := opSeq.Add(1)
	op := engine.NewOperationID()
	name := "web" + strings.ToLower(strings.NewReplacer("/", "", "_", "").Replace(t.Name()))
	if len(name) > 40 {
		name = name[:40]
	}
	return &fixture{
		spec: builder.Spec{
			Project: "demo", Version: fmt.Sprintf("1.2.%d", n), GitCommit: "abc123", OperationID: op,
			Image: &config.Image{Name: name, Template: tmpl, Context: ctxDir, Vars: map[string]string{"who": "bake"}},
		},
		builder: &Builder{AWS: awsFor(endpoint, 0), Poll: 50 * time.Millisecond, BuildTimeout: time.Minute, ImageTimeout: time.Minute},
	}
}

// awsFor returns the clients of the build region on moto; attempts > 0
// replaces the retryer's (for a region moto answers with errors).
func awsFor(endpoint string, attempts int) func(ctx context.Context) (*awsx.Clients, error) {
	return func(ctx context.Context) (*awsx.Clients, error) {
		cfg, err := awsx.Load(ctx, awsx.Settings{Region: buildRegion, Endpoint: endpoint}, nil)
		if err != nil {
			return nil, err
		}
		if attempts > 0 {
			cfg.Retryer = func() aws.Retryer {
				return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = attempts })
			}
		}
		return awsx.NewClients(cfg), nil
	}
}

func (f *fixture) clients(t *testing.T, region string) *ec2.Client {
	t.Helper()
	c, err := f.builder.AWS(t.Context())
	require.NoError(t, err)
	if region == buildRegion {
		return c.EC2
	}
	return c.In(region).EC2
}

func (f *fixture) prepare(t *testing.T) *job {
	t.Helper()
	j, err := f.builder.Prepare(f.spec)
	require.NoError(t, err)
	return j.(*job)
}

// powerOff plays the build instance's own `poweroff` (moto runs no user
// data): it stops the operation's instance once it is there.
func (f *fixture) powerOff(t *testing.T, ctx context.Context) {
	api := f.clients(t, buildRegion)
	go func() {
		for ctx.Err() == nil {
			ids := f.instances(ctx, api, "pending", "running")
			if len(ids) > 0 {
				_, _ = api.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids})
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
}

// instances are the operation's instances in the given states.
func (f *fixture) instances(ctx context.Context, api *ec2.Client, states ...string) []string {
	out, err := api.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []types.Filter{
		{Name: aws.String("tag:" + engine.LabelOperation), Values: []string{f.spec.OperationID}},
		{Name: aws.String("instance-state-name"), Values: states},
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

// assertNothingLeft checks that the operation left no instance that is not
// terminated, no key pair, no security group, and no AMI or snapshot in
// any of regions.
func (f *fixture) assertNothingLeft(t *testing.T, regions ...string) {
	t.Helper()
	ctx := t.Context()
	op := f.spec.OperationID
	byOp := []types.Filter{{Name: aws.String("tag:" + engine.LabelOperation), Values: []string{op}}}
	for _, region := range regions {
		api := f.clients(t, region)
		assert.Empty(t, f.instances(ctx, api, "pending", "running", "stopping", "stopped", "shutting-down"), "instances in %s", region)
		keys, err := api.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{})
		require.NoError(t, err)
		for _, k := range keys.KeyPairs {
			assert.NotContains(t, aws.ToString(k.KeyName), op, "key pair in %s", region)
		}
		groups, err := api.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{})
		require.NoError(t, err)
		for _, g := range groups.SecurityGroups {
			assert.NotContains(t, aws.ToString(g.GroupName), op, "security group in %s", region)
		}
		images, err := api.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"self"}})
		require.NoError(t, err)
		for _, im := range images.Images {
			assert.NotContains(t, aws.ToString(im.Name), op[:8], "AMI %s in %s", aws.ToString(im.ImageId), region)
			for _, tag := range im.Tags {
				assert.False(t, aws.ToString(tag.Key) == engine.LabelOperation && aws.ToString(tag.Value) == op,
					"AMI %s in %s is tagged with the operation", aws.ToString(im.ImageId), region)
			}
		}
		snaps, err := api.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}, Filters: byOp})
		require.NoError(t, err)
		assert.Empty(t, snaps.Snapshots, "snapshots in %s", region)
		volumes, err := api.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{Filters: byOp})
		require.NoError(t, err)
		assert.Empty(t, volumes.Volumes, "volumes in %s", region)
	}
}

func tagMap(tags []types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

// progressLine calls fn once, when a line containing marker is written.
type progressLine struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	marker string
	fn     func()
	done   bool
}

func (p *progressLine) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf.Write(b)
	if !p.done && p.marker != "" && strings.Contains(p.buf.String(), p.marker) {
		p.done = true
		p.fn()
	}
	return len(b), nil
}

func (p *progressLine) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.buf.String()
}

func TestBuildTwoRegionsTaggedAndShared(t *testing.T) {
	f := newFixture(t, `# {{ .Version }} is not used: the digest does not change with it
source: `+amazonLinux+`
instance_type: t3.small
scripts: [provision.sh]
env: {GREETING: "hello {{ .Vars.who }}"}
regions: [`+copyRegion+`]
share_with: ["111122223333", "444455556666"]
volume_size: 9
`)
	progress := &progressLine{}
	f.spec.Progress = progress
	j := f.prepare(t)
	f.powerOff(t, t.Context())
	built, err := j.Run(t.Context())
	require.NoError(t, err, progress.String())
	t.Log(progress.String())

	assert.Equal(t, "ami", built.Builder)
	assert.Equal(t, j.InputsDigest(), built.InputsDigest)
	assert.NotEmpty(t, built.TemplateDigest)
	require.Len(t, built.AMIs, 2)
	for _, region := range []string{buildRegion, copyRegion} {
		id := built.AMIs[region]
		require.NotEmpty(t, id, region)
		api := f.clients(t, region)
		out, err := api.DescribeImages(t.Context(), &ec2.DescribeImagesInput{ImageIds: []string{id}})
		require.NoError(t, err)
		require.Len(t, out.Images, 1)
		im := out.Images[0]
		assert.Equal(t, types.ImageStateAvailable, im.State)
		assert.Equal(t, "demo-"+f.spec.Image.Name+"-"+f.spec.Version+"-"+f.spec.OperationID[:8], aws.ToString(im.Name))
		tags := tagMap(im.Tags)
		assert.Equal(t, f.spec.Image.Name, tags["dev.bake.image"], region)
		assert.Equal(t, f.spec.Version, tags["dev.bake.version"], region)
		assert.Equal(t, built.InputsDigest, tags["dev.bake.inputs-digest"], region)
		assert.Equal(t, "abc123", tags["dev.bake.git-commit"], region)
		assert.Equal(t, f.spec.OperationID, tags["dev.bake.operation"], region)
		assert.Equal(t, aws.ToString(j.source.ImageId), tags["dev.bake.source-ami"], region)
		perms, err := api.DescribeImageAttribute(t.Context(), &ec2.DescribeImageAttributeInput{
			ImageId: aws.String(id), Attribute: types.ImageAttributeNameLaunchPermission,
		})
		require.NoError(t, err)
		var accounts []string
		for _, p := range perms.LaunchPermissions {
			accounts = append(accounts, aws.ToString(p.UserId))
		}
		assert.ElementsMatch(t, []string{"111122223333", "444455556666"}, accounts, region)
		snaps := imageSnapshots(im)
		require.NotEmpty(t, snaps, region)
		s, err := api.DescribeSnapshots(t.Context(), &ec2.DescribeSnapshotsInput{SnapshotIds: snaps})
		require.NoError(t, err)
		assert.Equal(t, f.spec.OperationID, tagMap(s.Snapshots[0].Tags)["dev.bake.operation"], region)
	}

	// The build instance: tagged, given the provisioning script, and gone.
	api := f.clients(t, buildRegion)
	out, err := api.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{Filters: []types.Filter{
		{Name: aws.String("tag:" + engine.LabelOperation), Values: []string{f.spec.OperationID}},
	}})
	require.NoError(t, err)
	require.Len(t, out.Reservations, 1)
	inst := out.Reservations[0].Instances[0]
	assert.Equal(t, types.InstanceStateNameTerminated, inst.State.Name)
	assert.Equal(t, types.InstanceTypeT3Small, inst.InstanceType)
	tags := tagMap(inst.Tags)
	assert.Equal(t, KindBuild, tags["dev.bake.kind"])
	assert.Equal(t, "demo", tags["dev.bake.project"])
	assert.Equal(t, f.spec.Image.Name, tags["dev.bake.image"])
	assert.NotEmpty(t, tags["Name"])
	_, err = time.Parse(time.RFC3339, tags["dev.bake.created"])
	assert.NoError(t, err)
	ud, err := api.DescribeInstanceAttribute(t.Context(), &ec2.DescribeInstanceAttributeInput{
		InstanceId: inst.InstanceId, Attribute: types.InstanceAttributeNameUserData,
	})
	require.NoError(t, err)
	script, err := base64.StdEncoding.DecodeString(aws.ToString(ud.UserData.Value))
	require.NoError(t, err)
	assert.Contains(t, string(script), "export GREETING='hello bake'")
	assert.Contains(t, string(script), base64.StdEncoding.EncodeToString([]byte("#!/bin/sh\necho provisioned > /etc/motd\n")))
	assert.True(t, strings.HasSuffix(string(script), "poweroff\n"))

	f.assertNothingLeftButAMIs(t)
	for region, id := range built.AMIs {
		b := newBake(j)
		require.NoError(t, b.discardImage(t.Context(), f.clients(t, region), region, id))
	}
	f.assertNothingLeft(t, buildRegion, copyRegion)
}

// assertNothingLeftButAMIs checks that a successful build removed its
// temporary resources.
func (f *fixture) assertNothingLeftButAMIs(t *testing.T) {
	t.Helper()
	api := f.clients(t, buildRegion)
	assert.Empty(t, f.instances(t.Context(), api, "pending", "running", "stopping", "stopped", "shutting-down"))
	keys, err := api.DescribeKeyPairs(t.Context(), &ec2.DescribeKeyPairsInput{})
	require.NoError(t, err)
	for _, k := range keys.KeyPairs {
		assert.NotContains(t, aws.ToString(k.KeyName), f.spec.OperationID)
	}
	groups, err := api.DescribeSecurityGroups(t.Context(), &ec2.DescribeSecurityGroupsInput{})
	require.NoError(t, err)
	for _, g := range groups.SecurityGroups {
		assert.NotContains(t, aws.ToString(g.GroupName), f.spec.OperationID)
	}
}

func TestCancelAfterCopyRemovesEverything(t *testing.T) {
	f := newFixture(t, "source: "+amazonLinux+"\nscripts: [provision.sh]\nregions: ["+copyRegion+"]\nshare_with: [\"111122223333\"]\n")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	progress := &progressLine{marker: "copied AMI", fn: cancel}
	f.spec.Progress = progress
	j := f.prepare(t)
	f.powerOff(t, ctx)
	_, err := j.Run(ctx)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	out := progress.String()
	assert.Contains(t, out, "copied AMI")
	assert.NotContains(t, out, "shared the AMI")
	assert.Equal(t, 2, strings.Count(out, "deregistered AMI"), out)
	f.assertNothingLeft(t, buildRegion, copyRegion)
}

func TestFailedCopyRemovesEverything(t *testing.T) {
	// moto has no EC2 in a region it does not know: the copy there fails
	// (the client tries once, not 8 times) while the one to us-west-2 works.
	f := newFixture(t, "source: "+amazonLinux+"\nscripts: [provision.sh]\nregions: ["+copyRegion+", xx-nowhere-1]\n")
	f.builder.AWS = awsFor(motoEndpoint(t), 1)
	progress := &progressLine{}
	f.spec.Progress = progress
	j := f.prepare(t)
	f.powerOff(t, t.Context())
	_, err := j.Run(t.Context())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "to xx-nowhere-1")
	t.Log(err)
	t.Log(progress.String())
	f.assertNothingLeft(t, buildRegion, copyRegion)
}

func TestCancelWhileWaitingForPowerOff(t *testing.T) {
	f := newFixture(t, "source: "+amazonLinux+"\nscripts: [provision.sh]\n")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	// No power-off: the bake waits for it until Ctrl-C.
	progress := &progressLine{marker: "launched build instance", fn: func() {
		time.AfterFunc(300*time.Millisecond, cancel)
	}}
	f.spec.Progress = progress
	j := f.prepare(t)
	start := time.Now()
	_, err := j.Run(ctx)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "power itself off")
	assert.Less(t, time.Since(start), 30*time.Second)
	out := progress.String()
	assert.Contains(t, out, "terminated build instance")
	assert.Contains(t, out, "deleted security group")
	assert.Contains(t, out, "deleted key pair")
	assert.NotContains(t, out, "creating AMI")
	f.assertNothingLeft(t, buildRegion)
}

func TestBuildTimeoutNamesTheInstance(t *testing.T) {
	f := newFixture(t, "source: "+amazonLinux+"\nscripts: [provision.sh]\n")
	f.builder.BuildTimeout = 500 * time.Millisecond
	j := f.prepare(t)
	_, err := j.Run(t.Context())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "did not power itself off within 500ms")
	assert.False(t, errors.Is(err, context.Canceled))
	f.assertNothingLeft(t, buildRegion)
}
