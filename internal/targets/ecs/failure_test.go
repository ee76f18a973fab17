package ecs_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/mototest"
	"github.com/bakehq/bake/internal/targets"
	ecstarget "github.com/bakehq/bake/internal/targets/ecs"
)

// afterCreate is the real ECS client, with a function run right after
// CreateService succeeds.
type afterCreate struct {
	ecstarget.ECSAPI
	then func()
}

func (a *afterCreate) CreateService(ctx context.Context, in *ecs.CreateServiceInput, opts ...func(*ecs.Options)) (*ecs.CreateServiceOutput, error) {
	out, err := a.ECSAPI.CreateService(ctx, in, opts...)
	if err == nil {
		a.then()
	}
	return out, err
}

// notYetHealthy is the real ELB client, except that the targets of one
// target group are reported "initial": moto reports a registered target
// healthy at once, where a load balancer first needs its healthy
// threshold of checks, the time in which a crashing task stops.
type notYetHealthy struct {
	ecstarget.ELBAPI
	name string // the target group's name
}

func (n *notYetHealthy) DescribeTargetHealth(ctx context.Context, in *elbv2.DescribeTargetHealthInput, opts ...func(*elbv2.Options)) (*elbv2.DescribeTargetHealthOutput, error) {
	out, err := n.ELBAPI.DescribeTargetHealth(ctx, in, opts...)
	if err == nil && strings.Contains(aws.ToString(in.TargetGroupArn), ":targetgroup/"+n.name+"/") {
		for i := range out.TargetHealthDescriptions {
			out.TargetHealthDescriptions[i].TargetHealth = &elbtypes.TargetHealth{State: elbtypes.TargetHealthStateEnumInitial}
		}
	}
	return out, err
}

// assertCleanedUp checks that a failed deployment of version left nothing
// and that 1.0.0 still gets every request.
func (f *fixture) assertCleanedUp(version string) {
	f.t.Helper()
	assert.Nil(f.t, f.service(version), "the new service is deleted")
	assert.False(f.t, f.targetGroupExists(version), "the new target group is deleted")
	assert.Equal(f.t, map[string]int32{"template": 0, "1.0.0": 100}, f.weights(), "the forward action is as it was")
	assert.Equal(f.t, int32(2), f.service("1.0.0").DesiredCount, "the old service was never touched")
	out, err := f.aws.ECS.ListTaskDefinitions(f.t.Context(), &ecs.ListTaskDefinitionsInput{
		FamilyPrefix: aws.String(f.tgt.ECS.Family(f.project, env)), Status: ecstypes.TaskDefinitionStatusActive})
	require.NoError(f.t, err)
	assert.Len(f.t, out.TaskDefinitionArns, 1, "only 1.0.0's revision is left: %v", out.TaskDefinitionArns)
}

// TestCrashingTasksFailFast deploys a release whose tasks stop: the
// deployment fails naming the task and its reason, well before the health
// timeout, removes what it made and leaves the listener as it was.
func TestCrashingTasksFailFast(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.KeepWarm)
	ctx := t.Context()
	_, err := f.deploy(ctx, release("1.0.0"), "")
	require.NoError(t, err)
	f.agent.SetFate(f.serviceName("1.1.0"), mototest.FateCrash)

	f.target.ELB = &notYetHealthy{ELBAPI: f.aws.ELB, name: ecstarget.TargetGroupName(f.project, env, f.serviceName("1.1.0"))}
	_, err = f.target.Deploy(ctx, f.request(release("1.1.0")))
	require.Error(t, err)
	assert.ErrorIs(t, err, targets.ErrUnhealthy)
	assert.Contains(t, err.Error(), mototest.CrashReason)
	assert.Regexp(t, `task [0-9a-f-]+ of ECS service web-v1-1-0 stopped`, err.Error(), "a stopped task fails the wait, not its timeout")
	f.assertCleanedUp("1.1.0")
}

// TestInterruptedHealthWaitCleansUp cancels the deployment (Ctrl-C) while
// it waits for tasks that never become healthy.
func TestInterruptedHealthWaitCleansUp(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.KeepWarm)
	_, err := f.deploy(t.Context(), release("1.0.0"), "")
	require.NoError(t, err)
	f.agent.SetFate(f.serviceName("1.1.0"), mototest.FateUnregistered)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	f.target.ECS = &afterCreate{ECSAPI: f.aws.ECS, then: func() { time.AfterFunc(time.Second, cancel) }}
	_, err = f.target.Deploy(ctx, f.request(release("1.1.0")))
	require.Error(t, err)
	assert.True(t, errors.Is(err, targets.ErrInterrupted), "%v", err)
	assert.False(t, errors.Is(err, targets.ErrUnhealthy), "nothing proved the tasks unhealthy")
	f.target.ECS = f.aws.ECS
	f.assertCleanedUp("1.1.0")
}
