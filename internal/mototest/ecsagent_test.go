package mototest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/awsx"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// waitFor bounds every wait on the agent; it acts every agentTick.
const waitFor = 20 * time.Second

var fixtureSeq atomic.Int32

// ecsFixture is a cluster, a task definition and a target group on moto.
type ecsFixture struct {
	calls   *awsx.Calls // the test's own calls, not the agent's
	clients *awsx.Clients
	network *ECSNetwork
	cluster string
	taskDef string
	group   string // target group ARN
}

func newECSFixture(t *testing.T) (context.Context, *ecsFixture) {
	t.Helper()
	calls := &awsx.Calls{}
	net := NewECSNetwork(t, AWSConfig(t, Endpoint(t), calls))
	n := fmt.Sprintf("agent%d-%d", fixtureSeq.Add(1), time.Now().UnixNano()%100000)
	f := &ecsFixture{calls: calls, clients: net.Clients, network: net, cluster: net.Cluster(t, n)}
	f.taskDef = net.FargateTaskDefinition(t, n, 256)
	f.group = net.TargetGroup(t, n, 8080, elbtypes.TargetTypeEnumIp)
	return context.Background(), f
}

// createService makes a Fargate awsvpc service behind the fixture's group.
func (f *ecsFixture) createService(t *testing.T, ctx context.Context, name string, desired int32) {
	t.Helper()
	_, err := f.clients.ECS.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: aws.String(f.cluster), ServiceName: aws.String(name), TaskDefinition: aws.String(f.taskDef),
		DesiredCount: aws.Int32(desired), LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: f.network.AWSVPC(),
		LoadBalancers:        []ecstypes.LoadBalancer{{TargetGroupArn: aws.String(f.group), ContainerName: aws.String("web"), ContainerPort: aws.Int32(8080)}},
	})
	require.NoError(t, err)
}

// tasks returns the tasks of group "service:NAME" with the given desired status.
func (f *ecsFixture) tasks(t *testing.T, ctx context.Context, service string, desired ecstypes.DesiredStatus) []ecstypes.Task {
	t.Helper()
	list, err := f.clients.ECS.ListTasks(ctx, &ecs.ListTasksInput{Cluster: aws.String(f.cluster), ServiceName: aws.String(service), DesiredStatus: desired})
	require.NoError(t, err)
	if len(list.TaskArns) == 0 {
		return nil
	}
	out, err := f.clients.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(f.cluster), Tasks: list.TaskArns})
	require.NoError(t, err)
	var tasks []ecstypes.Task
	for _, task := range out.Tasks {
		if aws.ToString(task.Group) == "service:"+service {
			tasks = append(tasks, task)
		}
	}
	return tasks
}

func (f *ecsFixture) running(t *testing.T, ctx context.Context, service string) int {
	n := 0
	for _, task := range f.tasks(t, ctx, service, ecstypes.DesiredStatusRunning) {
		if aws.ToString(task.LastStatus) == "RUNNING" {
			n++
		}
	}
	return n
}

// healthy counts the targets of the fixture's group that moto says are healthy.
func (f *ecsFixture) healthy(t *testing.T, ctx context.Context) int {
	t.Helper()
	out, err := f.clients.ELB.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(f.group)})
	require.NoError(t, err)
	n := 0
	for _, d := range out.TargetHealthDescriptions {
		if d.TargetHealth.State == elbtypes.TargetHealthStateEnumHealthy {
			n++
		}
	}
	return n
}

func TestECSAgentRunsRegistersAndScales(t *testing.T) {
	ctx, f := newECSFixture(t)
	StartECSAgent(t, f.clients.Config, f.cluster)
	f.createService(t, ctx, "web-v1", 2)

	require.Eventually(t, func() bool { return f.running(t, ctx, "web-v1") == 2 && f.healthy(t, ctx) == 2 },
		waitFor, 50*time.Millisecond, "2 running tasks, each healthy in the target group")

	tasks := f.tasks(t, ctx, "web-v1", ecstypes.DesiredStatusRunning)
	require.Len(t, tasks, 2)
	health, err := f.clients.ELB.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(f.group)})
	require.NoError(t, err)
	var ips []string
	for _, d := range health.TargetHealthDescriptions {
		ips = append(ips, aws.ToString(d.Target.Id))
		assert.EqualValues(t, 8080, aws.ToInt32(d.Target.Port))
	}
	for _, task := range tasks {
		assert.Contains(t, ips, taskIP(task), "the task's own IP is the target")
		assert.Equal(t, ecstypes.LaunchTypeFargate, task.LaunchType)
		assert.True(t, strings.HasPrefix(aws.ToString(task.StartedBy), "ecs-svc/"), "started by the service's deployment")
		require.Len(t, task.Containers, 1)
		assert.Equal(t, "256", aws.ToString(task.Containers[0].Cpu), "read through awsx.ECSNumbersAsStrings")
	}

	assert.Zero(t, f.calls.ByOperation()["ECS.RunTask"], "the agent's calls are not counted in the test's configuration")

	_, err = f.clients.ECS.UpdateService(ctx, &ecs.UpdateServiceInput{Cluster: aws.String(f.cluster), Service: aws.String("web-v1"), DesiredCount: aws.Int32(0)})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return f.running(t, ctx, "web-v1") == 0 && f.healthy(t, ctx) == 0 },
		waitFor, 50*time.Millisecond, "scaled to 0: no task, no target")
	stopped := f.tasks(t, ctx, "web-v1", ecstypes.DesiredStatusStopped)
	require.Len(t, stopped, 2)
	for _, task := range stopped {
		assert.Equal(t, "STOPPED", aws.ToString(task.LastStatus))
		assert.Contains(t, aws.ToString(task.StoppedReason), "Scaling activity initiated by")
	}
}

func TestECSAgentCrashFate(t *testing.T) {
	ctx, f := newECSFixture(t)
	agent := StartECSAgent(t, f.clients.Config, f.cluster)
	agent.SetFate("api-", FateCrash) // by prefix, before the service exists
	f.createService(t, ctx, "api-v2", 1)

	// Crashing tasks are never registered: a load balancer would not have
	// found them healthy before they stop.
	registered := 0
	require.Eventually(t, func() bool {
		registered = max(registered, f.healthy(t, ctx))
		return len(f.tasks(t, ctx, "api-v2", ecstypes.DesiredStatusStopped)) >= 2
	}, waitFor, 50*time.Millisecond, "tasks start, crash and start again")
	assert.Zero(t, registered, "healthy targets seen while the tasks crashed")
	for _, task := range f.tasks(t, ctx, "api-v2", ecstypes.DesiredStatusStopped) {
		assert.Equal(t, CrashReason, aws.ToString(task.StoppedReason))
	}
}

func TestECSAgentUnregisteredFate(t *testing.T) {
	ctx, f := newECSFixture(t)
	agent := StartECSAgent(t, f.clients.Config, f.cluster)
	agent.SetFate("web", FateHealthy)
	agent.SetFate("web-v3", FateUnregistered) // the longest match wins
	f.createService(t, ctx, "web-v3", 2)

	require.Eventually(t, func() bool { return f.running(t, ctx, "web-v3") == 2 },
		waitFor, 50*time.Millisecond, "2 running tasks")
	// A few more ticks change nothing: the tasks keep running, unregistered.
	ticks := 0
	require.Eventually(t, func() bool {
		ticks++
		return ticks > 5 && f.running(t, ctx, "web-v3") == 2 && f.healthy(t, ctx) == 0
	}, waitFor, 2*agentTick)
	assert.Len(t, f.tasks(t, ctx, "web-v3", ecstypes.DesiredStatusStopped), 0)
}

func TestECSAgentStopsTasksOfDeletedService(t *testing.T) {
	ctx, f := newECSFixture(t)
	StartECSAgent(t, f.clients.Config, f.cluster)
	f.createService(t, ctx, "old-v1", 1)
	require.Eventually(t, func() bool { return f.running(t, ctx, "old-v1") == 1 && f.healthy(t, ctx) == 1 },
		waitFor, 50*time.Millisecond)

	_, err := f.clients.ECS.DeleteService(ctx, &ecs.DeleteServiceInput{Cluster: aws.String(f.cluster), Service: aws.String("old-v1"), Force: aws.Bool(true)})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return f.running(t, ctx, "old-v1") == 0 && f.healthy(t, ctx) == 0 },
		waitFor, 50*time.Millisecond, "a deleted service's tasks stop and leave the group")
}
