package asg_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/targets/asg"
)

// killedOp names the bake run the tests below interrupt.
const killedOp = "killed01"

// errKilled is what every call of a killed bake gets: it cannot clean up.
var errKilled = errors.New("the process was killed")

// frozenAutoScaling stops answering once frozen is set, as a bake killed
// with SIGKILL stops calling: its cleanup changes nothing.
type frozenAutoScaling struct {
	asg.AutoScalingAPI
	frozen *atomic.Bool
	kill   context.CancelFunc // ends the run's context, once its group exists
}

func (a frozenAutoScaling) CreateAutoScalingGroup(ctx context.Context, in *autoscaling.CreateAutoScalingGroupInput, opts ...func(*autoscaling.Options)) (*autoscaling.CreateAutoScalingGroupOutput, error) {
	out, err := a.AutoScalingAPI.CreateAutoScalingGroup(ctx, in, opts...)
	a.frozen.Store(true)
	a.kill()
	return out, err
}

func (a frozenAutoScaling) DetachLoadBalancerTargetGroups(ctx context.Context, in *autoscaling.DetachLoadBalancerTargetGroupsInput, opts ...func(*autoscaling.Options)) (*autoscaling.DetachLoadBalancerTargetGroupsOutput, error) {
	if a.frozen.Load() {
		return nil, errKilled
	}
	return a.AutoScalingAPI.DetachLoadBalancerTargetGroups(ctx, in, opts...)
}

func (a frozenAutoScaling) DeleteAutoScalingGroup(ctx context.Context, in *autoscaling.DeleteAutoScalingGroupInput, opts ...func(*autoscaling.Options)) (*autoscaling.DeleteAutoScalingGroupOutput, error) {
	if a.frozen.Load() {
		return nil, errKilled
	}
	return a.AutoScalingAPI.DeleteAutoScalingGroup(ctx, in, opts...)
}

type frozenEC2 struct {
	asg.EC2API
	frozen *atomic.Bool
}

func (e frozenEC2) DeleteLaunchTemplate(ctx context.Context, in *ec2.DeleteLaunchTemplateInput, opts ...func(*ec2.Options)) (*ec2.DeleteLaunchTemplateOutput, error) {
	if e.frozen.Load() {
		return nil, errKilled
	}
	return e.EC2API.DeleteLaunchTemplate(ctx, in, opts...)
}

// killed is the target of the bake run that gets killed.
func (f *fixture) killed() *asg.Target {
	t := asg.New(f.aws, f.project, killedOp, f.progress)
	t.Poll, t.DrainTimeout = 20*time.Millisecond, time.Second
	return t
}

// killedDuringBringUp is the target of a bake run that dies right after it
// created its group: f.killCtx ends then, and nothing it does afterwards
// (its cleanup) reaches AWS.
func (f *fixture) killedDuringBringUp() *asg.Target {
	frozen := &atomic.Bool{}
	ctx, cancel := context.WithCancel(f.t.Context())
	f.killCtx = ctx
	k := f.killed()
	k.AutoScaling = frozenAutoScaling{AutoScalingAPI: f.aws.AutoScaling, frozen: frozen, kill: cancel}
	k.EC2 = frozenEC2{EC2API: f.aws.EC2, frozen: frozen}
	return k
}

// interrupt records what a killed promote of rel leaves in the ledger: its
// started record, with no outcome, and the environment's lock, both naming
// a process that is gone.
func (f *fixture) interrupt(rel ledger.Release, previous string) {
	f.t.Helper()
	ctx := f.t.Context()
	cmd := exec.Command("true")
	require.NoError(f.t, cmd.Run())
	host, err := os.Hostname()
	require.NoError(f.t, err)
	holder := promote.Holder{User: "ci", Host: host, PID: cmd.Process.Pid, Operation: killedOp,
		What: "promote " + image + "@" + rel.Version}.String()
	_, err = f.store.AppendDeployment(ctx, ledger.Deployment{Env: env, Image: image, Version: rel.Version, Digest: rel.Digest,
		Previous: previous, Kind: ledger.KindPromote, Outcome: ledger.OutcomeStarted, Reason: holder,
		StartedAt: time.Now().UTC(), By: "ci"})
	require.NoError(f.t, err)
	_, err = f.store.Lock(ctx, promote.LockKey(env), holder, time.Hour)
	require.NoError(f.t, err)
}

// recover runs `bake recover` through the deployer, as a new bake run.
func (f *fixture) recover() promote.Recovery {
	f.t.Helper()
	f.fresh()
	recs, err := f.deployer.RecoverImages(f.t.Context(), f.env, []string{image})
	require.NoError(f.t, err, f.progress.String())
	require.Len(f.t, recs, 1)
	_, err = f.store.Holder(f.t.Context(), promote.LockKey(env))
	require.ErrorIs(f.t, err, ledger.ErrNotFound, "the lock is released")
	return recs[0]
}

// A promote killed after its new group came into service and took over
// the target group is finished: the group stays, the replaced one is
// retired as retention says, and the outcome is recorded as succeeded.
func TestRecoverFinishesAnInterruptedPromote(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.KeepStopped, 3)
	v1, v2 := f.release("1.0.0"), f.release("1.1.0")
	_, _, err := f.execute(ledger.KindPromote, v1)
	require.NoError(t, err)

	f.interrupt(v2, "1.0.0")
	_, err = f.killed().Deploy(t.Context(), f.request(v2)) // killed before it could record or retire
	require.NoError(t, err)

	rec := f.recover()
	assert.Equal(t, promote.ActionFinished, rec.Action)
	assert.Contains(t, rec.Left, "3 replica(s) of 1.1.0")
	f.serving("1.1.0")
	require.NotNil(t, f.group("1.0.0"), "1.0.0 is kept for rollback")
	assert.Zero(t, *f.group("1.0.0").DesiredCapacity, "and scaled to zero, as retention says")
	cur, err := f.store.Current(t.Context(), image, env)
	require.NoError(t, err)
	assert.Equal(t, "1.1.0", cur.Version)
	assert.Contains(t, cur.Reason, "interrupted")
	assert.Equal(t, "1.1.0", f.pointer().Version)
}

// A promote killed while its new group was coming up, next to the one
// serving, is undone: the recorded release serves alone, and the group and
// launch template the killed run made are deleted.
func TestRecoverRevertsAPromoteKilledDuringBringUp(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.KeepStopped, 3)
	v1, v2 := f.release("1.0.0"), f.release("1.1.0")
	_, _, err := f.execute(ledger.KindPromote, v1)
	require.NoError(t, err)

	f.interrupt(v2, "1.0.0")
	_, err = f.killedDuringBringUp().Deploy(f.killCtx, f.request(v2))
	require.Error(t, err)
	require.NotNil(t, f.group("1.1.0"), "the killed run left its group")
	require.True(t, f.templateExists("1.1.0"))

	rec := f.recover()
	assert.Equal(t, promote.ActionReverted, rec.Action)
	assert.Equal(t, "1.0.0", rec.Serves)
	f.serving("1.0.0")
	assert.Nil(t, f.group("1.1.0"), "the killed run's group is deleted")
	assert.False(t, f.templateExists("1.1.0"), "and its launch template")
	deps, err := f.store.Deployments(t.Context(), image, env)
	require.NoError(t, err)
	assert.Equal(t, ledger.OutcomeFailed, deps[0].Outcome)
	assert.Equal(t, "1.1.0", deps[0].Version)
	assert.Equal(t, "1.0.0", f.pointer().Version)
}

// A first promote killed during bring-up, whose instances never became
// healthy, with nothing recorded to go back to, leaves nothing behind once
// recovered. (One whose group already served alone and healthy would be
// finished instead, as TestRecoverFinishesAnInterruptedPromote shows.)
func TestRecoverClearsAnInterruptedFirstPromote(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.KeepStopped, 3)
	v1 := f.release("1.0.0")
	f.interrupt(v1, "")
	_, err := f.killedDuringBringUp().Deploy(f.killCtx, f.request(v1))
	require.Error(t, err)
	require.NotNil(t, f.group("1.0.0"))
	f.stop("1.0.0") // moto then reports its targets unused
	f.env.Targets[image].HealthTimeout = time.Second

	rec := f.recover()
	assert.Equal(t, promote.ActionReverted, rec.Action)
	assert.Empty(t, rec.Serves)
	assert.Nil(t, f.group("1.0.0"))
	assert.False(t, f.templateExists("1.0.0"))
	assert.Empty(t, f.registered())
}
