package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/builder/ami"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/mototest"
	"github.com/bakehq/bake/internal/targets/asg"
)

const (
	awsRegion  = "us-east-1"
	copyRegion = "us-west-2"
)

// awsProject is one test's bake project whose image is an AMI baked by the
// native builder and whose environments run Auto Scaling groups, all on a
// moto_server of the test's own.
type awsProject struct {
	t       *testing.T
	name    string
	dir     string
	moto    string   // the endpoint of the project's moto_server
	env     []string // of every bake process: dummy credentials, nothing from the machine
	aws     *awsx.Clients
	targets map[string]string // env -> target group ARN
}

// awsShowDoc is what `bake show -o json` says about an AMI release.
type awsShowDoc struct {
	Version string            `json:"version"`
	Status  string            `json:"status"`
	AMIs    map[string]string `json:"amis"`
	Checks  []struct {
		Name   string `json:"name"`
		Passed bool   `json:"passed"`
		Detail string `json:"detail"`
	} `json:"checks"`
	Provenance struct {
		Builder    string `json:"builder"`
		ReusedFrom string `json:"reused_from"`
	} `json:"provenance"`
}

const amiRecipe = `source: {ami: %s}
instance_type: t3.micro
scripts: [provision.sh]
env: {WEB_MESSAGE: "{{ .Vars.message }}"}
regions: [` + copyRegion + `]
`

const awsConfig = `project: %[1]s
aws: {region: ` + awsRegion + `, endpoint: %[2]s}
ledger: dynamodb://%[1]s-ledger
images:
  web:
    template: templates/web
    vars: {message: hello from bake}
    checks:
      - name: provisioned
        command: {argv: [test, -s, /etc/bake-release]}
environments:
  - name: dev
    targets:
      web: {type: asg, replicas: 2, health_timeout: 30s, target_groups: ["%[3]s"]}
  - name: prod
    retention: {previous: warm}
    targets:
      web: {type: asg, replicas: 2, health_timeout: 30s, target_groups: ["%[4]s"]}
`

// TestAWSReleasePromoteRollbackSweep drives an AMI image through the built
// binary on moto, with the ledger in a DynamoDB table there too: a native bake copied to a second region and validated on
// an EC2 sandbox, promotion through Auto Scaling groups, a rollback to the
// group kept warm, reuse of unchanged inputs, and `sweep --aws` after a
// bake killed with SIGKILL. moto runs no user data, so the test plays the
// build instance's power-off with StopInstances.
func TestAWSReleasePromoteRollbackSweep(t *testing.T) {
	t.Parallel()
	p := newAWSProject(t)

	// 1. A release bakes, copies, validates on EC2 and leaves nothing behind.
	rel1 := p.releaseStopping("1.0.0", "echo 'web 1.0' > /etc/bake-release\n")
	assert.Equal(t, "validated", rel1.Status)
	assert.Equal(t, "ami", rel1.Provenance.Builder)
	require.Len(t, rel1.AMIs, 2, "AMIs in the build region and the copy region")
	require.Len(t, rel1.Checks, 1)
	assert.True(t, rel1.Checks[0].Passed, rel1.Checks[0].Detail)
	sandboxes := p.instances(engine.KindSandbox, "")
	require.Len(t, sandboxes, 1, "one EC2 sandbox instance validated 1.0.0")
	for id, state := range sandboxes {
		assert.Equal(t, ec2types.InstanceStateNameTerminated, state, "sandbox instance %s", id)
	}

	// 2. Promote to dev, then from dev to prod.
	mustBakeAWS(t, p, "promote", "web@1.0.0", "--to", "dev")
	mustBakeAWS(t, p, "promote", "web", "--from", "dev", "--to", "prod")
	p.assertServing("dev", "1.0.0")
	p.assertServing("prod", "1.0.0")
	p.assertPointer("dev", "1.0.0", rel1.AMIs)
	p.assertPointer("prod", "1.0.0", rel1.AMIs)

	// 3. A changed script is a new build; prod keeps 1.0.0 warm, and a
	// rollback puts it back into the target group.
	rel2 := p.releaseStopping("1.1.0", "echo 'web 1.1' > /etc/bake-release\n")
	require.Len(t, rel2.AMIs, 2)
	for region, id := range rel2.AMIs {
		assert.NotEqual(t, rel1.AMIs[region], id, "1.1.0 has AMIs of its own in %s", region)
	}
	// Policy tells the AMI releases apart: 1.1.0 has not been in dev yet.
	res := bakeEnv(t, p.dir, p.env, "promote", "web@1.1.0", "--to", "prod")
	require.Equal(t, 3, res.code, "web@1.1.0 may not skip dev\n%s", res)
	assert.Contains(t, res.stderr, `web@1.1.0 has not succeeded in "dev"`)
	mustBakeAWS(t, p, "promote", "web@1.1.0", "--to", "dev")
	mustBakeAWS(t, p, "promote", "web", "--from", "dev", "--to", "prod")
	p.assertServing("prod", "1.1.0")
	p.assertWarm("prod", "1.0.0")
	p.assertPointer("prod", "1.1.0", rel2.AMIs)
	res = mustBakeAWS(t, p, "rollback", "web", "--env", "prod", "--yes")
	assert.Contains(t, res.stdout, "rolled back web in prod to 1.0.0 (was 1.1.0)")
	p.assertServing("prod", "1.0.0")
	p.assertWarm("prod", "1.1.0")
	p.assertPointer("prod", "1.0.0", rel1.AMIs)
	res = mustBakeAWS(t, p, "status", "--check")
	group := func(env, version string) string { return asg.GroupName(p.name+"-"+env+"-web", version) }
	assert.Contains(t, res.stdout, "prod: group "+group("prod", "1.0.0")+" (1.0.0): 2 of 2 in service, in "+p.name+"-prod")
	assert.Contains(t, res.stdout, "prod: group "+group("prod", "1.1.0")+" (1.1.0): 2 of 2 in service, out of the target groups")

	// 4. Unchanged inputs reuse the AMIs: no build instance, only a sandbox.
	builds := p.instances(ami.KindBuild, "")
	require.Len(t, builds, 2, "one build instance for each of 1.0.0 and 1.1.0")
	res = mustBakeAWS(t, p, "release", "web", "--version", "1.1.1")
	assert.Contains(t, res.stderr, "inputs unchanged since web@1.1.0")
	rel3 := p.show("1.1.1")
	assert.Equal(t, "validated", rel3.Status)
	assert.Equal(t, rel2.AMIs, rel3.AMIs)
	assert.Equal(t, "web@1.1.0", rel3.Provenance.ReusedFrom)
	assert.Equal(t, builds, p.instances(ami.KindBuild, ""), "no new build instance")
	assert.Len(t, p.instances(engine.KindSandbox, ""), 3, "1.1.1 was validated again on EC2")

	// 5. A bake killed while its build instance runs leaves it, its key
	// pair and security group; sweep --aws lists and removes them.
	op := p.killedRelease("1.2.0", "echo 'web 1.2' > /etc/bake-release\n")
	left := p.leftovers(op)
	require.Len(t, left, 3, "the killed bake's instance, key pair and security group: %v", left)
	// By default sweep leaves alone what is younger than an hour: it may
	// belong to a bake that still runs.
	res = mustBakeAWS(t, p, "sweep", "--aws", "--dry-run")
	assert.Contains(t, res.stdout, "nothing to sweep")
	res = mustBakeAWS(t, p, "sweep", "--aws", "--dry-run", "--older-than", "0s")
	for resource, id := range left {
		assert.Regexp(t, `(?m)^`+resource+`\s.*`+id+`.*`+op+`.*would remove$`, res.stdout)
	}
	assert.Contains(t, res.stdout, "dry run: would sweep 1 instance, 1 security-group, 1 key-pair; nothing was removed")
	assert.Equal(t, left, p.leftovers(op), "a dry run removes nothing")

	res = mustBakeAWS(t, p, "sweep", "--yes", "--aws", "--older-than", "0s", "-o", "json")
	var swept awsSweepDoc
	decodeOne(t, res.stdout, &swept)
	require.Len(t, swept.Leftovers, 3, res.stdout)
	for _, l := range swept.Leftovers {
		assert.True(t, l.Removed, "%s %s: %s", l.Resource, l.ID, l.Error)
		assert.Equal(t, op, l.Operation)
		assert.Equal(t, left[l.Resource], l.ID)
	}
	assert.Empty(t, p.leftovers(op), "nothing of operation %s remains", op)
	p.assertNothingOf(op)
	res = mustBakeAWS(t, p, "sweep", "--aws", "--older-than", "0s", "--dry-run")
	assert.Contains(t, res.stdout, "nothing to sweep")
	// Sweeping never touches what environments run or keep.
	p.assertServing("prod", "1.0.0")
	p.assertWarm("prod", "1.1.0")
	p.assertServing("dev", "1.1.0")

	// 6. A promote killed with SIGKILL while its group comes up is
	// recovered: exactly one recorded release serves afterwards.
	p.killedPromoteRecovers("dev", "1.0.0", "1.1.0")

	// 7. The ledger, a DynamoDB table, holds every record with its link.
	res = mustBakeAWS(t, p, "verify")
	assert.Contains(t, res.stdout, "every one as recorded, chain unbroken")
}

// awsSweepDoc is `bake sweep --aws -o json`.
type awsSweepDoc struct {
	Leftovers []struct {
		Resource  string `json:"resource"`
		ID        string `json:"id"`
		Operation string `json:"operation"`
		Removed   bool   `json:"removed"`
		Error     string `json:"error"`
	} `json:"leftovers"`
}

func newAWSProject(t *testing.T) *awsProject {
	t.Helper()
	if _, err := exec.LookPath("moto_server"); err != nil {
		t.Skip("moto_server is not on PATH (scripts/services.sh up installs it): the AWS path needs it")
	}
	srv, err := mototest.Start()
	require.NoError(t, err)
	t.Cleanup(srv.Close)

	p := &awsProject{t: t, name: "e2e-" + randomHex(t, 4), dir: t.TempDir(), moto: srv.Endpoint, targets: map[string]string{}}
	p.env = awsTestEnv()
	ctx := t.Context()
	cfg, err := awsx.Load(ctx, awsx.Settings{Region: awsRegion, Endpoint: srv.Endpoint, Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "testing", SecretAccessKey: "testing", SessionToken: "testing"}, nil
	})}, nil)
	require.NoError(t, err)
	p.aws = awsx.NewClients(cfg)

	images, err := p.aws.EC2.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"},
		Filters: []ec2types.Filter{{Name: aws.String("name"), Values: []string{"amzn2-ami-hvm-*-x86_64-gp2"}}}})
	require.NoError(t, err)
	require.NotEmpty(t, images.Images, "moto serves Amazon Linux 2 AMIs")
	source := aws.ToString(images.Images[0].ImageId)

	vpcs, err := p.aws.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{
		{Name: aws.String("is-default"), Values: []string{"true"}}}})
	require.NoError(t, err)
	require.NotEmpty(t, vpcs.Vpcs, "moto has a default VPC")
	for _, env := range []string{"dev", "prod"} {
		tg, err := p.aws.ELB.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{
			Name: aws.String(p.name + "-" + env), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
			VpcId: vpcs.Vpcs[0].VpcId, TargetType: elbtypes.TargetTypeEnumInstance,
		})
		require.NoError(t, err)
		p.targets[env] = aws.ToString(tg.TargetGroups[0].TargetGroupArn)
	}

	writeFile(t, filepath.Join(p.dir, "templates", "web", ami.Template), fmt.Sprintf(amiRecipe, source))
	writeFile(t, filepath.Join(p.dir, "bake.yaml"), fmt.Sprintf(awsConfig, p.name, srv.Endpoint, p.targets["dev"], p.targets["prod"]))
	t.Logf("project %s in %s, moto on %s, source AMI %s", p.name, p.dir, srv.Endpoint, source)
	return p
}

// awsTestEnv is what mototest.Main sets for a test binary, for each bake
// process of an AWS test: credentials that reach nothing but moto, and no
// profile, metadata service or endpoint of the machine's.
func awsTestEnv() []string {
	return []string{
		"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_SESSION_TOKEN=testing",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=" + os.DevNull, "AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull,
		"AWS_PROFILE=", "AWS_ENDPOINT_URL=", "AWS_REGION=", "AWS_DEFAULT_REGION=",
	}
}

// mustBakeAWS runs bake in the project with its AWS environment and fails
// the test unless it exits 0.
func mustBakeAWS(t *testing.T, p *awsProject, args ...string) result {
	t.Helper()
	res := bakeEnv(t, p.dir, p.env, args...)
	if res.code != 0 {
		t.Fatalf("bake %s: want exit 0\n%s", strings.Join(args, " "), res)
	}
	return res
}

// writeScript writes the image's provisioning script.
func (p *awsProject) writeScript(body string) {
	writeFile(p.t, filepath.Join(p.dir, "images", "web", "provision.sh"), "#!/bin/sh\nset -eu\n"+body)
}

// releaseStopping releases version with script as provision.sh, reporting
// success on the build instance (the tag its user data sets) and stopping
// it once it runs, as its own poweroff would (moto runs no user data), and returns
// what `bake show` says of the release. The build's temporary resources
// must be gone afterwards.
func (p *awsProject) releaseStopping(version, script string) awsShowDoc {
	t := p.t
	t.Helper()
	p.writeScript(script)
	ctx, cancel := context.WithCancel(t.Context())
	stopped := make(chan string, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(stopped)
		for ctx.Err() == nil {
			for _, id := range p.liveBuilds(ctx) {
				if _, err := p.aws.EC2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id},
					Tags: []ec2types.Tag{{Key: aws.String(ami.TagProvision), Value: aws.String("ok")}}}); err != nil {
					continue
				}
				if _, err := p.aws.EC2.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}}); err == nil {
					stopped <- id
					return
				}
			}
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	res := bakeEnv(t, p.dir, p.env, "release", "web", "--version", version)
	cancel()
	wg.Wait()
	require.Equal(t, 0, res.code, "bake release web --version %s\n%s", version, res)
	build, ok := <-stopped
	require.True(t, ok, "the test never saw a build instance to stop")
	assert.Contains(t, res.stderr, "build instance "+build+" ran its scripts and powered itself off")
	assert.Equal(t, ec2types.InstanceStateNameTerminated, p.instances(ami.KindBuild, "")[build], "build instance %s", build)
	p.assertNoBuildResources(version)

	rel := p.show(version)
	assert.Equal(t, version, rel.Version)
	for _, region := range []string{awsRegion, copyRegion} {
		id := rel.AMIs[region]
		require.NotEmpty(t, id, "%s@%s has an AMI in %s", "web", version, region)
		out, err := p.aws.In(region).EC2.DescribeImages(t.Context(), &ec2.DescribeImagesInput{ImageIds: []string{id}})
		require.NoError(t, err)
		require.Len(t, out.Images, 1, "AMI %s in %s", id, region)
		assert.Equal(t, ec2types.ImageStateAvailable, out.Images[0].State)
		assert.Equal(t, version, tagValue(out.Images[0].Tags, engine.LabelVersion), "AMI %s in %s", id, region)
	}
	return rel
}
