package sandbox_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/mototest"
	"github.com/bakehq/bake/internal/sandbox"
)

const testRegion = "us-east-1"

// ec2Fixture is one test's EC2 sandbox on moto, with an AMI to launch and
// an operation id of its own; after the test no instance of that operation
// may be left alive.
type ec2Fixture struct {
	clients *awsx.Clients
	ami     string
	sandbox *sandbox.EC2
}

func newEC2Fixture(t *testing.T) *ec2Fixture {
	t.Helper()
	ctx := context.Background()
	cfg, err := awsx.Load(ctx, awsx.Settings{Region: testRegion, Endpoint: mototest.Endpoint(t)}, nil)
	require.NoError(t, err)
	c := awsx.NewClients(cfg)
	img, err := c.EC2.RegisterImage(ctx, &ec2.RegisterImageInput{
		Name:               aws.String("bake-sandbox-test-" + engine.NewOperationID()),
		Architecture:       ec2types.ArchitectureValuesX8664,
		VirtualizationType: aws.String("hvm"),
		RootDeviceName:     aws.String("/dev/xvda"),
		BlockDeviceMappings: []ec2types.BlockDeviceMapping{
			{DeviceName: aws.String("/dev/xvda"), Ebs: &ec2types.EbsBlockDevice{VolumeSize: aws.Int32(8)}},
		},
	})
	require.NoError(t, err)
	f := &ec2Fixture{clients: c, ami: aws.ToString(img.ImageId), sandbox: &sandbox.EC2{
		EC2: c.EC2, SSM: c.SSM, Region: testRegion, Project: "demo", Operation: engine.NewOperationID(),
		BootTimeout: time.Minute, RegisterTimeout: 20 * time.Second,
	}}
	t.Cleanup(func() {
		assert.Empty(t, f.instances(t, "pending", "running", "stopping", "stopped"), "instances of operation %s left alive", f.sandbox.Operation)
	})
	return f
}

func (f *ec2Fixture) subject(img *config.Image) sandbox.AMISubject {
	return sandbox.AMISubject{Image: img, AMIs: map[string]string{testRegion: f.ami}, Version: "1.2.3"}
}

// instances lists the instances of the fixture's operation in those states
// (any state when none is given).
func (f *ec2Fixture) instances(t *testing.T, states ...string) []ec2types.Instance {
	t.Helper()
	filters := []ec2types.Filter{{Name: aws.String("tag:" + engine.LabelOperation), Values: []string{f.sandbox.Operation}}}
	if len(states) > 0 {
		filters = append(filters, ec2types.Filter{Name: aws.String("instance-state-name"), Values: states})
	}
	out, err := f.clients.EC2.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{Filters: filters})
	require.NoError(t, err)
	var list []ec2types.Instance
	for _, r := range out.Reservations {
		list = append(list, r.Instances...)
	}
	return list
}

func commandCheck(name string, exit int, stdout string, argv ...string) config.Check {
	return config.Check{Name: name, Command: &config.CommandCheck{Argv: argv, ExitCode: exit, Stdout: stdout, Timeout: 30 * time.Second}}
}

func tags(inst ec2types.Instance) map[string]string {
	m := map[string]string{}
	for _, tg := range inst.Tags {
		m[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	return m
}

// TestEC2ChecksPass runs command checks that moto can pass (exit 0, no
// stdout expected) and finds the instance tagged and terminated.
func TestEC2ChecksPass(t *testing.T) {
	f := newEC2Fixture(t)
	var progress bytes.Buffer
	f.sandbox.Progress = &progress
	img := &config.Image{Name: "web", Checks: []config.Check{
		commandCheck("version", 0, "", "sh", "-c", "echo {{ .Version }} it's"),
		commandCheck("true", 0, "", "true"),
	}}
	results, err := f.sandbox.Validate(context.Background(), f.subject(img))
	require.NoError(t, err)
	require.Len(t, results, 2)
	assert.True(t, sandbox.Passed(results), "%+v", results)
	assert.Equal(t, "version", results[0].Name)
	assert.Equal(t, "command", results[0].Kind)
	assert.Equal(t, `"sh -c 'echo 1.2.3 it'\\''s'" exited 0 (no output)`, results[0].Detail)

	all := f.instances(t)
	require.Len(t, all, 1, "one instance launched")
	inst := all[0]
	assert.Equal(t, ec2types.InstanceStateNameTerminated, inst.State.Name)
	assert.Equal(t, f.ami, aws.ToString(inst.ImageId))
	assert.Equal(t, ec2types.InstanceType(config.DefaultInstanceType), inst.InstanceType)
	tg := tags(inst)
	assert.Equal(t, "bake-sandbox-demo-web-"+f.sandbox.Operation, tg["Name"])
	assert.Equal(t, engine.KindSandbox, tg[engine.LabelKind])
	assert.Equal(t, "demo", tg[engine.LabelProject])
	assert.Equal(t, "web", tg[engine.LabelImage])
	assert.Equal(t, "1.2.3", tg[engine.LabelVersion])
	_, err = time.Parse(time.RFC3339, tg[engine.LabelCreated])
	assert.NoError(t, err, "created tag")
	assert.Contains(t, progress.String(), "terminated sandbox instance "+aws.ToString(inst.InstanceId))
}

// TestEC2FailingChecks: moto runs nothing and answers every command with
// exit 0 and no output, so a check expecting another exit code fails, a
// stdout check fails on output bake never saw, and checks that cannot run
// on EC2 fail with why; validation itself succeeds and the instance is
// terminated.
func TestEC2FailingChecks(t *testing.T) {
	f := newEC2Fixture(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "checks.yaml"), []byte("schemaVersion: 2.0.0\n"), 0o644))
	img := &config.Image{Name: "web", Context: dir, Checks: []config.Check{
		commandCheck("exits 3", 3, "", "false"),
		{Name: "health", HTTP: &config.HTTPCheck{Port: 8080, Path: "/health", Status: 200, Timeout: time.Second}},
		commandCheck("says ok", 0, "^ok$", "echo", "ok"),
		{Name: "port", TCP: &config.TCPCheck{Port: 8080, Timeout: time.Second}},
		{Name: "not root", User: &config.UserCheck{NotRoot: true}},
		commandCheck("passes", 0, "", "true"),
	}}
	results, err := f.sandbox.Validate(context.Background(), f.subject(img))
	require.NoError(t, err)
	require.Len(t, results, 7)
	byName := map[string]string{}
	for _, r := range results {
		byName[r.Name] = r.Detail
		assert.Equal(t, r.Name == "passes", r.Passed, "%s: %s", r.Name, r.Detail)
	}
	assert.Equal(t, []string{"exits 3", "health", "says ok", "port", "not root", "passes", "checks.yaml"},
		[]string{results[0].Name, results[1].Name, results[2].Name, results[3].Name, results[4].Name, results[5].Name, results[6].Name}, "the image's order")
	assert.Equal(t, `"false": expected exit 3, got 0; stderr ""`, byName["exits 3"])
	assert.Contains(t, byName["says ok"], `expected stdout matching "^ok$", but SSM returned no output (exit 0)`)
	assert.Contains(t, byName["health"], "not run on EC2")
	assert.Contains(t, byName["health"], "curl -fsS http://127.0.0.1:8080/health")
	assert.Contains(t, byName["port"], "not run on EC2")
	assert.Contains(t, byName["not root"], "SSM runs commands as root")
	assert.Contains(t, byName["checks.yaml"], "not run on EC2")
	assert.False(t, sandbox.Passed(results))

	all := f.instances(t)
	require.Len(t, all, 1)
	assert.Equal(t, ec2types.InstanceStateNameTerminated, all[0].State.Name)
}

// TestEC2SubnetAndInstanceType launches in the image's sandbox subnet with
// its instance type.
func TestEC2SubnetAndInstanceType(t *testing.T) {
	f := newEC2Fixture(t)
	subnets, err := f.clients.EC2.DescribeSubnets(context.Background(), &ec2.DescribeSubnetsInput{
		Filters: []ec2types.Filter{{Name: aws.String("default-for-az"), Values: []string{"true"}}},
	})
	require.NoError(t, err)
	require.NotEmpty(t, subnets.Subnets)
	subnet := aws.ToString(subnets.Subnets[len(subnets.Subnets)-1].SubnetId)
	img := &config.Image{Name: "web", Sandbox: config.Sandbox{Subnet: subnet, InstanceType: "t3.small"},
		Checks: []config.Check{commandCheck("true", 0, "", "true")}}
	results, err := f.sandbox.Validate(context.Background(), f.subject(img))
	require.NoError(t, err)
	assert.True(t, sandbox.Passed(results))
	all := f.instances(t)
	require.Len(t, all, 1)
	assert.Equal(t, subnet, aws.ToString(all[0].SubnetId))
	assert.Equal(t, ec2types.InstanceTypeT3Small, all[0].InstanceType)
	assert.Equal(t, ec2types.InstanceStateNameTerminated, all[0].State.Name)
}

// hook calls fn around every call of operation: before it, and after it
// with its answer. It is the test's way to act at a known point of a real
// run against moto, which answers every wait at once.
type hook struct {
	operation string
	before    func(ctx context.Context) error
	after     func(err error) error
}

func (h hook) add(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("bakeTestHook",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			if awsmiddleware.GetOperationName(ctx) != h.operation {
				return next.HandleInitialize(ctx, in)
			}
			if h.before != nil {
				if err := h.before(ctx); err != nil {
					return middleware.InitializeOutput{}, middleware.Metadata{}, err
				}
			}
			out, md, err := next.HandleInitialize(ctx, in)
			if h.after != nil {
				err = h.after(err)
			}
			return out, md, err
		}), middleware.Before)
}

// withHook returns the fixture's EC2 client with h.
func (f *ec2Fixture) withHook(h hook) *ec2.Client {
	return ec2.NewFromConfig(f.clients.Config, func(o *ec2.Options) { o.APIOptions = append(o.APIOptions, h.add) })
}

// TestEC2CancelWhileBooting cancels (Ctrl-C) while bake waits for the
// instance to run, and while it waits for its status checks: the instance
// is terminated and no check is recorded.
func TestEC2CancelWhileBooting(t *testing.T) {
	for _, waitingOn := range []string{"DescribeInstances", "DescribeInstanceStatus"} {
		t.Run(waitingOn, func(t *testing.T) {
			f := newEC2Fixture(t)
			var progress bytes.Buffer
			f.sandbox.Progress = &progress
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var once sync.Once
			f.sandbox.EC2 = f.withHook(hook{operation: waitingOn, before: func(context.Context) error {
				once.Do(cancel) // the first call is the waiter's; the cleanup's own lookups run on a fresh context
				return nil
			}})
			img := &config.Image{Name: "web", Checks: []config.Check{commandCheck("true", 0, "", "true")}}
			results, err := f.sandbox.Validate(ctx, f.subject(img))
			require.ErrorIs(t, err, context.Canceled)
			assert.Empty(t, results)
			all := f.instances(t)
			require.Len(t, all, 1, "the instance was launched")
			assert.Equal(t, ec2types.InstanceStateNameTerminated, all[0].State.Name)
			assert.Contains(t, progress.String(), "terminated sandbox instance")
		})
	}
}

// TestEC2BootTimeout: an instance whose status checks do not pass within
// the boot timeout is a clear error, and it is terminated.
func TestEC2BootTimeout(t *testing.T) {
	f := newEC2Fixture(t)
	f.sandbox.BootTimeout = 2 * time.Second
	f.sandbox.EC2 = f.withHook(hook{operation: "DescribeInstanceStatus", before: func(ctx context.Context) error {
		<-ctx.Done() // EC2 never answers within the boot timeout
		return ctx.Err()
	}})
	img := &config.Image{Name: "web", Checks: []config.Check{commandCheck("true", 0, "", "true")}}
	results, err := f.sandbox.Validate(context.Background(), f.subject(img))
	require.Error(t, err)
	assert.Regexp(t, `^sandbox instance i-[0-9a-f]+ did not pass its status checks: not done within 2s \(state running\)$`, err.Error())
	assert.Empty(t, results)
	all := f.instances(t)
	require.Len(t, all, 1)
	assert.Equal(t, ec2types.InstanceStateNameTerminated, all[0].State.Name)
}

// TestEC2LostLaunchAnswer: RunInstances launched an instance but its
// answer never arrived, so bake has no instance id; the cleanup finds the
// instance by its tags and terminates it.
func TestEC2LostLaunchAnswer(t *testing.T) {
	f := newEC2Fixture(t)
	f.sandbox.EC2 = f.withHook(hook{operation: "RunInstances", after: func(err error) error {
		require.NoError(t, err, "moto launched the instance")
		return errors.New("connection reset by peer")
	}})
	img := &config.Image{Name: "web", Checks: []config.Check{commandCheck("true", 0, "", "true")}}
	_, err := f.sandbox.Validate(context.Background(), f.subject(img))
	require.ErrorContains(t, err, "connection reset by peer")
	all := f.instances(t)
	require.Len(t, all, 1, "the instance was launched")
	assert.Equal(t, ec2types.InstanceStateNameTerminated, all[0].State.Name)
}

// TestEC2NotManagedBySSM: SSM answers InvalidInstanceId until an
// instance's agent registers (moto never does: it runs no agent and
// accepts any instance, so the hook answers for it). When that lasts past
// the register timeout, validation stops with an error saying what the
// instance needs, and the instance is terminated.
func TestEC2NotManagedBySSM(t *testing.T) {
	f := newEC2Fixture(t)
	f.sandbox.RegisterTimeout = time.Second
	var sent int
	f.sandbox.SSM = ssm.NewFromConfig(f.clients.Config, func(o *ssm.Options) {
		o.APIOptions = append(o.APIOptions, hook{operation: "SendCommand", before: func(context.Context) error {
			sent++
			return &smithy.GenericAPIError{Code: "InvalidInstanceId", Message: "Instances not in a valid state for account"}
		}}.add)
	})
	img := &config.Image{Name: "web", Checks: []config.Check{commandCheck("true", 0, "", "true"), commandCheck("again", 0, "", "true")}}
	results, err := f.sandbox.Validate(context.Background(), f.subject(img))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "SSM does not manage sandbox instance i-")
	assert.Contains(t, err.Error(), "InvalidInstanceId")
	assert.Empty(t, results, "no check is recorded as failed for what SSM could not run")
	assert.Equal(t, 1, sent, "the second check is not tried")
	all := f.instances(t)
	require.Len(t, all, 1)
	assert.Equal(t, ec2types.InstanceStateNameTerminated, all[0].State.Name)
}

// TestEC2LaunchFailure: a subnet that does not exist is a clear error and
// nothing runs.
func TestEC2LaunchFailure(t *testing.T) {
	f := newEC2Fixture(t)
	img := &config.Image{Name: "web", Sandbox: config.Sandbox{Subnet: "subnet-0deadbeef"},
		Checks: []config.Check{commandCheck("true", 0, "", "true")}}
	results, err := f.sandbox.Validate(context.Background(), f.subject(img))
	require.Error(t, err)
	// The subnet is first looked up for the VPC of the sandbox's security group.
	assert.Contains(t, err.Error(), "looking up subnet subnet-0deadbeef for the sandbox's security group")
	assert.Contains(t, err.Error(), "InvalidSubnetID.NotFound")
	assert.Empty(t, results)
	assert.Empty(t, f.instances(t), "no instance launched")
}

// TestEC2WithoutCommandChecks launches nothing when no check can run on
// the instance, and records why each could not.
func TestEC2WithoutCommandChecks(t *testing.T) {
	f := newEC2Fixture(t)
	img := &config.Image{Name: "web", Checks: []config.Check{
		{Name: "health", HTTP: &config.HTTPCheck{Port: 8080, Path: "/", Status: 200, Timeout: time.Second}},
	}}
	results, err := f.sandbox.Validate(context.Background(), f.subject(img))
	require.NoError(t, err)
	require.Len(t, results, 1)
	assert.False(t, results[0].Passed)
	assert.Equal(t, "http", results[0].Kind)
	assert.Empty(t, f.instances(t), "no instance launched")
}

// TestEC2NoAMIInRegion names the regions the release has.
func TestEC2NoAMIInRegion(t *testing.T) {
	f := newEC2Fixture(t)
	img := &config.Image{Name: "web", Checks: []config.Check{commandCheck("true", 0, "", "true")}}
	subj := f.subject(img)
	subj.AMIs = map[string]string{"eu-west-1": "ami-0123"}
	_, err := f.sandbox.Validate(context.Background(), subj)
	require.EqualError(t, err, `no AMI in "us-east-1", the region bake validates in (the release has eu-west-1 ami-0123)`)
	assert.Empty(t, f.instances(t))
}
