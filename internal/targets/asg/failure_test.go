package asg_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/artifact"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/targets"
	"github.com/bakehq/bake/internal/targets/asg"
)

// afterCreate is the real Auto Scaling client, with a function run right
// after CreateAutoScalingGroup succeeds: what a test does to the new group
// before the deployment first looks at its health.
type afterCreate struct {
	asg.AutoScalingAPI
	then func(ctx context.Context, group string)
}

func (a *afterCreate) CreateAutoScalingGroup(ctx context.Context, in *autoscaling.CreateAutoScalingGroupInput, opts ...func(*autoscaling.Options)) (*autoscaling.CreateAutoScalingGroupOutput, error) {
	out, err := a.AutoScalingAPI.CreateAutoScalingGroup(ctx, in, opts...)
	if err == nil {
		a.then(ctx, aws.ToString(in.AutoScalingGroupName))
	}
	return out, err
}

// stop stops every instance of version's group, as soon as they exist:
// moto then reports their targets unused (Target.InvalidState).
func (f *fixture) stop(version string) {
	f.t.Helper()
	ids := f.instances(version)
	require.NotEmpty(f.t, ids)
	_, err := f.aws.EC2.StopInstances(context.Background(), &ec2.StopInstancesInput{InstanceIds: ids})
	require.NoError(f.t, err)
}

// TestUnhealthyNewGroup stops the new group's instances as soon as they
// exist: the deployment fails, the new group and its launch template are
// deleted, and the old group was never touched and still serves.
func TestUnhealthyNewGroup(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.KeepStopped, 3)
	v1, v2 := f.release("1.0.0"), f.release("1.1.0")
	_, _, err := f.execute(ledger.KindPromote, v1)
	require.NoError(t, err)
	before := f.instances("1.0.0")
	f.target.AutoScaling = &afterCreate{AutoScalingAPI: f.aws.AutoScaling, then: func(context.Context, string) { f.stop("1.1.0") }}

	start := time.Now()
	_, _, err = f.execute(ledger.KindPromote, v2)
	require.ErrorIs(t, err, promote.ErrFailed)
	assert.Contains(t, err.Error(), "Target.InvalidState")
	assert.Less(t, time.Since(start), 5*time.Second, "a stopped instance fails at once, not at the health timeout")
	assert.Nil(t, f.group("1.1.0"), "the new group is deleted")
	assert.False(t, f.templateExists("1.1.0"), "and its launch template")
	old := f.group("1.0.0")
	assert.EqualValues(t, 3, aws.ToInt32(old.DesiredCapacity))
	assert.Equal(t, []string{f.tg}, old.TargetGroupARNs)
	assert.Equal(t, before, f.instances("1.0.0"))
	f.serving("1.0.0")
	cur, err := f.store.Current(t.Context(), image, env)
	require.NoError(t, err)
	assert.Equal(t, "1.0.0", cur.Version)
	assert.Equal(t, "1.0.0", f.pointer().Version, "the pointer still names what runs")
}

// TestInterruptDeletesNewGroup cancels the deployment (Ctrl-C) right after
// the new group is created: it is deleted, and the old group still serves.
func TestInterruptDeletesNewGroup(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.KeepStopped, 3)
	v1, v2 := f.release("1.0.0"), f.release("1.1.0")
	_, _, err := f.execute(ledger.KindPromote, v1)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	f.target.AutoScaling = &afterCreate{AutoScalingAPI: f.aws.AutoScaling, then: func(context.Context, string) { cancel() }}

	_, err = f.target.Deploy(ctx, f.request(v2))
	require.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, targets.ErrUnhealthy)
	assert.Nil(t, f.group("1.1.0"))
	assert.False(t, f.templateExists("1.1.0"))
	f.serving("1.0.0")
}

// TestInterruptedHealthWait stops the health wait (Ctrl-C): it says it was
// interrupted before the group was proven healthy, not that it is unhealthy.
func TestInterruptedHealthWait(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.KeepStopped, 1)
	v1 := f.release("1.0.0")
	_, _, err := f.execute(ledger.KindPromote, v1)
	require.NoError(t, err)
	ctx, cancel := context.WithCancelCause(t.Context())
	cancel(errors.New("interrupt signal received"))
	_, err = asg.WaitHealthy(f.target, ctx, f.request(v1), f.groupName("1.0.0"))
	require.ErrorIs(t, err, targets.ErrInterrupted)
	assert.NotErrorIs(t, err, targets.ErrUnhealthy)
	assert.EqualError(t, err, "interrupted by Ctrl-C (SIGINT) before the instances of Auto Scaling group "+f.groupName("1.0.0")+
		" were proven healthy")
}

// TestFailedRollbackScalesKeptGroupBackToZero fails a rollback to a group
// kept at zero: it is scaled back to zero, out of the target group, and the
// release that served still does.
func TestFailedRollbackScalesKeptGroupBackToZero(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.KeepStopped, 3)
	v1, v2 := f.release("1.0.0"), f.release("1.1.0")
	for _, rel := range []ledger.Release{v1, v2} {
		_, _, err := f.execute(ledger.KindPromote, rel)
		require.NoError(t, err)
	}
	// Stop 1.0.0's instances as soon as the group is scaled back up.
	f.target.AutoScaling = &afterResize{AutoScalingAPI: f.aws.AutoScaling, then: func() { f.stop("1.0.0") }}
	_, _, err := f.execute(ledger.KindRollback, v1)
	require.ErrorIs(t, err, promote.ErrFailed)
	old := f.group("1.0.0")
	require.NotNil(t, old, "a kept group is not deleted")
	assert.EqualValues(t, 0, aws.ToInt32(old.DesiredCapacity))
	assert.Empty(t, old.TargetGroupARNs)
	f.serving("1.1.0")
}

// afterResize runs then after every UpdateAutoScalingGroup.
type afterResize struct {
	asg.AutoScalingAPI
	then func()
}

func (a *afterResize) UpdateAutoScalingGroup(ctx context.Context, in *autoscaling.UpdateAutoScalingGroupInput, opts ...func(*autoscaling.Options)) (*autoscaling.UpdateAutoScalingGroupOutput, error) {
	out, err := a.AutoScalingAPI.UpdateAutoScalingGroup(ctx, in, opts...)
	if err == nil && aws.ToInt32(in.DesiredCapacity) > 0 {
		a.then()
	}
	return out, err
}

// TestWatchFailureReverts stops the new release's instances during the
// health watch: bake switches back to the group of the release before it
// (still running, out of the target group), deletes the failed group, pins
// the environment and points SSM back.
func TestWatchFailureReverts(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.KeepStopped, 3)
	f.env.Targets[image].Watch = 2 * time.Second
	v1, v2 := f.release("1.0.0"), f.release("1.1.0")
	_, _, err := f.execute(ledger.KindPromote, v1)
	require.NoError(t, err)
	warm := f.instances("1.0.0")
	f.deployer.Recorded = func(d ledger.Deployment) {
		if d.Version == "1.1.0" && d.Outcome == ledger.OutcomeSucceeded {
			f.stop("1.1.0")
		}
	}
	res, _, err := f.execute(ledger.KindPromote, v2)
	require.ErrorIs(t, err, promote.ErrFailed)
	assert.Contains(t, err.Error(), "rolled back automatically to 1.0.0")
	assert.True(t, res.Pinned)
	f.serving("1.0.0")
	assert.Equal(t, warm, f.instances("1.0.0"), "the old instances never stopped")
	assert.Nil(t, f.group("1.1.0"))
	assert.False(t, f.templateExists("1.1.0"))
	assert.Equal(t, "1.0.0", f.pointer().Version)
}

// TestNoAMIInRegion refuses a release without an AMI in the target's
// region as bad input, before anything changes or is recorded.
func TestNoAMIInRegion(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.KeepStopped, 3)
	rel := f.release("1.0.0")
	rel.AMIs = map[string]string{"eu-west-1": "ami-12345678"}
	rel.Digest = artifact.AMIDigest(rel.AMIs)
	_, calls, err := f.execute(ledger.KindPromote, rel)
	require.ErrorIs(t, err, promote.ErrUnknown)
	require.ErrorIs(t, err, asg.ErrNoAMI)
	assert.Contains(t, err.Error(), `no AMI of web@1.0.0 in "us-east-1"`)
	assert.Contains(t, err.Error(), "eu-west-1")
	assert.Empty(t, calls)
	deps, err := f.store.Deployments(t.Context(), image, env)
	require.NoError(t, err)
	assert.Empty(t, deps)
}

// TestLeftoverLaunchTemplateIsReplaced finds the release's launch template
// left by a killed run: it is replaced by one that launches the release.
func TestLeftoverLaunchTemplateIsReplaced(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.KeepStopped, 3)
	rel := f.release("1.0.0+build.7")
	_, err := f.aws.EC2.CreateLaunchTemplate(t.Context(), &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String(f.groupName(rel.Version)),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String("ami-00000000")},
	})
	require.NoError(t, err)
	_, _, err = f.execute(ledger.KindPromote, rel)
	require.NoError(t, err)
	assert.Contains(t, f.progress.String(), "deleted launch template "+f.groupName(rel.Version)+" left by an earlier run")
	assert.Equal(t, f.project+"-prod-web-v1.0.0_build.7", f.groupName(rel.Version))
	out, err := f.aws.EC2.DescribeLaunchTemplateVersions(t.Context(), &ec2.DescribeLaunchTemplateVersionsInput{
		LaunchTemplateName: aws.String(f.groupName(rel.Version))})
	require.NoError(t, err)
	require.Len(t, out.LaunchTemplateVersions, 1)
	assert.Equal(t, rel.AMIs[region], aws.ToString(out.LaunchTemplateVersions[0].LaunchTemplateData.ImageId))
	f.serving(rel.Version)
}

// TestPlan says what a promotion would do, changing nothing.
func TestPlan(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.KeepStopped, 1)
	v1, v2, v3 := f.release("1.0.0"), f.release("1.1.0"), f.release("1.2.0")
	for _, rel := range []ledger.Release{v1, v2} {
		_, _, err := f.execute(ledger.KindPromote, rel)
		require.NoError(t, err)
	}
	p, err := f.target.Plan(t.Context(), f.request(v3), "1.1.0")
	require.NoError(t, err)
	assert.Equal(t, targets.Plan{Strategy: config.BlueGreen, Keep: config.KeepStopped, Group: f.groupName("1.2.0"), Start: 3,
		Reuse: []string{}, Restart: []string{}, Warm: []string{}, Stop: []string{f.groupName("1.1.0")},
		Remove: []string{f.groupName("1.0.0")}, Switch: "target group(s) " + f.project + "-web", Steps: p.Steps}, p)
	assert.Equal(t, []string{
		"create launch template and Auto Scaling group " + f.groupName("1.2.0") + ": 3 x t3.micro, in target group(s) " + f.project + "-web",
		"wait until every instance is in service and healthy in every target group (within 10s)",
		"take every other group of prod out of the target groups",
		"record the deployment and write its SSM parameter",
		"scale " + f.groupName("1.1.0") + " to zero, kept for rollback",
		"delete " + f.groupName("1.0.0") + " and their launch templates",
	}, p.Steps)

	p, err = f.target.Plan(t.Context(), f.request(v1), "1.1.0")
	require.NoError(t, err)
	assert.Equal(t, []string{f.groupName("1.0.0")}, p.Restart)
	assert.Equal(t, 3, p.Start)
	assert.Equal(t, []string{f.groupName("1.1.0")}, p.Stop)
	assert.Empty(t, p.Remove)
	assert.NotNil(t, f.group("1.0.0"))
	assert.Nil(t, f.group("1.2.0"), "a plan changes nothing")
}
