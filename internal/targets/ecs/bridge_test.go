package ecs_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/targets"
)

// newBridgeFixture is a fixture whose target runs tasks on the EC2 launch
// type with bridge networking, on n container instances (EC2 instances
// registered in the cluster, as the ECS container agent registers them).
func newBridgeFixture(t *testing.T, keep string, n int) *fixture {
	t.Helper()
	f := newFixture(t, keep)
	f.tgt.ECS.LaunchType, f.tgt.ECS.NetworkMode = config.ECSEC2, config.ECSBridge
	f.network.ContainerInstances(t, f.tgt.ECS.Cluster, n)
	return f
}

// TestBridgeOnEC2 promotes and rolls back releases whose tasks run on
// container instances with bridge networking: instance target groups, a
// dynamic host port, no awsvpc configuration, and each task found in its
// target group by its instance and host port.
func TestBridgeOnEC2(t *testing.T) {
	t.Parallel()
	f := newBridgeFixture(t, config.KeepWarm, 3)
	ctx := t.Context()
	v1, v2 := release("1.0.0"), release("1.1.0")

	_, err := f.deploy(ctx, v1, "")
	require.NoError(t, err)
	assert.Equal(t, map[string]int32{"template": 0, "1.0.0": 100}, f.weights())
	s := f.service("1.0.0")
	require.NotNil(t, s)
	assert.Equal(t, ecstypes.LaunchTypeEc2, s.LaunchType)
	if s.NetworkConfiguration != nil { // moto answers {} for none
		assert.Nil(t, s.NetworkConfiguration.AwsvpcConfiguration, "bridge tasks use their instance's network")
	}
	td, err := f.aws.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: s.TaskDefinition})
	require.NoError(t, err)
	assert.Equal(t, ecstypes.NetworkModeBridge, td.TaskDefinition.NetworkMode)
	assert.Equal(t, []ecstypes.Compatibility{ecstypes.CompatibilityEc2}, td.TaskDefinition.RequiresCompatibilities)
	require.Len(t, td.TaskDefinition.ContainerDefinitions, 1)
	require.Len(t, td.TaskDefinition.ContainerDefinitions[0].PortMappings, 1)
	pm := td.TaskDefinition.ContainerDefinitions[0].PortMappings[0]
	assert.Equal(t, int32(8080), aws.ToInt32(pm.ContainerPort))
	assert.Equal(t, int32(0), aws.ToInt32(pm.HostPort), "a dynamic host port, so tasks of two releases share an instance")

	require.Len(t, s.LoadBalancers, 1)
	tgs, err := f.aws.ELB.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{aws.ToString(s.LoadBalancers[0].TargetGroupArn)}})
	require.NoError(t, err)
	assert.Equal(t, elbtypes.TargetTypeEnumInstance, tgs.TargetGroups[0].TargetType)
	health, err := f.aws.ELB.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: s.LoadBalancers[0].TargetGroupArn})
	require.NoError(t, err)
	require.Len(t, health.TargetHealthDescriptions, 2, "two tasks, registered by instance and host port")
	for _, d := range health.TargetHealthDescriptions {
		assert.Regexp(t, `^i-[0-9a-f]+$`, aws.ToString(d.Target.Id))
		assert.GreaterOrEqual(t, aws.ToInt32(d.Target.Port), int32(32768))
	}

	// 1.1.0 beside the warm 1.0.0: four tasks on three instances, each
	// replica named by its instance and host port.
	_, err = f.deploy(ctx, v2, "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, map[string]int32{"template": 0, "1.0.0": 0, "1.1.0": 100}, f.weights())
	st, err := f.target.Observe(ctx, targets.Observation{Env: env, Image: image, Target: f.tgt, Version: "1.1.0", Previous: "1.0.0", Keep: config.KeepWarm})
	require.NoError(t, err)
	assert.Empty(t, st.Drift)
	require.Len(t, st.Replicas, 4, "two tasks of each release")
	seen := map[string]bool{}
	for _, r := range st.Replicas {
		assert.Regexp(t, `^i-[0-9a-f]+:[0-9]+$`, r.Upstream)
		assert.True(t, r.Running, "%s is healthy in its target group", r.ID)
		assert.False(t, seen[r.Upstream], "%s is one task's address", r.Upstream)
		seen[r.Upstream] = true
	}

	// Back to the warm 1.0.0: one listener change.
	calls, err := f.deploy(ctx, v1, "1.1.0")
	require.NoError(t, err)
	assert.Equal(t, map[string]int32{"template": 0, "1.0.0": 100, "1.1.0": 0}, f.weights())
	assert.Equal(t, 1, calls["Elastic Load Balancing v2.ModifyListener"], "%v", calls)
	for op := range calls {
		assert.NotRegexp(t, `\.(Create|Register|Update|Delete)`, op, "a rollback to a warm release changes nothing else")
	}

	// 1.1.0 again, 1.0.0 stopped this time; then back to the stopped 1.0.0:
	// scaled up, its new tasks placed and waited for, then the switch.
	f.keep = config.KeepStopped
	_, err = f.deploy(ctx, v2, "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, map[string]int32{"template": 0, "1.1.0": 100}, f.weights())
	assert.Zero(t, f.service("1.0.0").DesiredCount)
	calls, err = f.deploy(ctx, v1, "1.1.0")
	require.NoError(t, err)
	assert.Equal(t, map[string]int32{"template": 0, "1.0.0": 100}, f.weights())
	assert.Equal(t, int32(2), f.service("1.0.0").DesiredCount)
	assert.Equal(t, 2, calls["ECS.UpdateService"], "1.0.0 scaled up, then 1.1.0 scaled to zero: %v", calls)
	st, err = f.target.Observe(ctx, targets.Observation{Env: env, Image: image, Target: f.tgt, Version: "1.0.0", Previous: "1.1.0", Keep: config.KeepStopped})
	require.NoError(t, err)
	assert.Empty(t, st.Drift)
}
