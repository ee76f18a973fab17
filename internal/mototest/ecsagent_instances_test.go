package mototest

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAgentPlacesBridgeTasksOnInstances runs an EC2 bridge service's tasks
// on the cluster's container instances, one per instance, and registers
// each in an instance target group by its EC2 instance id and a dynamic
// host port; scaled to zero, they leave it.
func TestAgentPlacesBridgeTasksOnInstances(t *testing.T) {
	t.Parallel()
	ctx, f := newECSFixture(t)
	c := f.clients
	instances := map[string]bool{}
	for _, id := range f.network.ContainerInstances(t, f.cluster, 2) {
		instances[id] = true
	}
	td, err := c.ECS.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{
		Family: aws.String(f.cluster + "-bridge"), NetworkMode: ecstypes.NetworkModeBridge,
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityEc2},
		Cpu:                     aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{
			Name: aws.String("web"), Image: aws.String("registry.local/web@sha256:" + f.cluster),
			MemoryReservation: aws.Int32(256), Essential: aws.Bool(true),
			PortMappings: []ecstypes.PortMapping{{ContainerPort: aws.Int32(8080), HostPort: aws.Int32(0)}},
		}},
	})
	require.NoError(t, err)
	group := aws.String(f.network.TargetGroup(t, f.cluster+"-i", 8080, elbtypes.TargetTypeEnumInstance))

	StartECSAgent(t, c.Config, f.cluster)
	_, err = c.ECS.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: aws.String(f.cluster), ServiceName: aws.String("web"), TaskDefinition: td.TaskDefinition.TaskDefinitionArn,
		DesiredCount: aws.Int32(2), LaunchType: ecstypes.LaunchTypeEc2,
		LoadBalancers: []ecstypes.LoadBalancer{{TargetGroupArn: group, ContainerName: aws.String("web"), ContainerPort: aws.Int32(8080)}},
	})
	require.NoError(t, err)
	targets := func() []elbtypes.TargetDescription {
		out, err := c.ELB.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: group})
		require.NoError(t, err)
		var ts []elbtypes.TargetDescription
		for _, d := range out.TargetHealthDescriptions {
			if d.TargetHealth.State == elbtypes.TargetHealthStateEnumHealthy {
				ts = append(ts, *d.Target)
			}
		}
		return ts
	}
	require.Eventually(t, func() bool { return len(targets()) == 2 }, waitFor, agentTick)
	on := map[string]bool{}
	for _, tk := range f.tasks(t, ctx, "web", ecstypes.DesiredStatusRunning) {
		on[aws.ToString(tk.ContainerInstanceArn)] = true
	}
	assert.Len(t, on, 2, "one task per container instance")
	for _, d := range targets() {
		assert.True(t, instances[aws.ToString(d.Id)], "%s is one of the container instances", aws.ToString(d.Id))
		assert.GreaterOrEqual(t, aws.ToInt32(d.Port), int32(firstDynamicPort))
	}

	_, err = c.ECS.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String(f.cluster), Service: aws.String("web"), DesiredCount: aws.Int32(0)})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(targets()) == 0 && f.running(t, ctx, "web") == 0 }, waitFor, agentTick)
}
