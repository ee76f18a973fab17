package awsx_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/mototest"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

// ecsOnMoto is a cluster with one Fargate awsvpc task definition on moto.
type ecsOnMoto struct {
	clients *awsx.Clients
	cluster string
	taskDef string
	network *ecstypes.NetworkConfiguration
}

func newECSOnMoto(t *testing.T) *ecsOnMoto {
	t.Helper()
	net := mototest.NewECSNetwork(t, mototest.AWSConfig(t, mototest.Endpoint(t), nil))
	name := net.Cluster(t, fmt.Sprintf("awsx-%d", time.Now().UnixNano()))
	return &ecsOnMoto{clients: net.Clients, cluster: name, taskDef: net.FargateTaskDefinition(t, name, 128), network: net.AWSVPC()}
}

// TestECSNumbersAsStrings shows which answers of moto the SDK cannot read
// on its own (a task's containers' cpu and memory, as numbers), and that
// the clients awsx makes read them all.
func TestECSNumbersAsStrings(t *testing.T) {
	ctx := context.Background()
	m := newECSOnMoto(t)

	// Task definitions are read without help: there the API has numbers too.
	td, err := m.clients.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(m.taskDef)})
	require.NoError(t, err)
	assert.EqualValues(t, 128, td.TaskDefinition.ContainerDefinitions[0].Cpu)
	plain := ecs.NewFromConfig(m.clients.Config)
	_, err = plain.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(m.taskDef)})
	require.NoError(t, err)

	run, err := m.clients.ECS.RunTask(ctx, &ecs.RunTaskInput{
		Cluster: aws.String(m.cluster), TaskDefinition: aws.String(m.taskDef), LaunchType: ecstypes.LaunchTypeFargate,
		Group: aws.String("service:web"), NetworkConfiguration: m.network,
	})
	require.NoError(t, err)
	require.Len(t, run.Tasks, 1)
	assert.Equal(t, "128", aws.ToString(run.Tasks[0].Containers[0].Cpu))
	assert.Equal(t, "512", aws.ToString(run.Tasks[0].Containers[0].Memory))
	arn := run.Tasks[0].TaskArn

	described, err := m.clients.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(m.cluster), Tasks: []string{*arn}})
	require.NoError(t, err)
	require.Len(t, described.Tasks, 1)
	assert.Equal(t, "128", aws.ToString(described.Tasks[0].Containers[0].Cpu))

	_, err = plain.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(m.cluster), Tasks: []string{*arn}})
	require.Error(t, err, "if moto now answers strings, ECSNumbersAsStrings can go")
	assert.Contains(t, err.Error(), "expected string, got 128")

	stopped, err := m.clients.ECS.StopTask(ctx, &ecs.StopTaskInput{Cluster: aws.String(m.cluster), Task: arn, Reason: aws.String("done")})
	require.NoError(t, err)
	assert.Equal(t, "128", aws.ToString(stopped.Task.Containers[0].Cpu))
}

// TestDescribeServicesIncludeTags: moto keeps the include of the last
// DescribeServices in a value all callers share (so do DescribeTasks and
// DescribeClusters), so a caller that leaves it out can strip the tags
// from another caller's answer: with 3 goroutines asking with
// include=TAGS and 3 without, about 1 answer in 25 of the first lost its
// tags (moto 5.2.1). Every
// DescribeServices in bake (and in the test agent) passes include=TAGS;
// callers that all do always get the tags.
func TestDescribeServicesIncludeTags(t *testing.T) {
	ctx := context.Background()
	m := newECSOnMoto(t)
	_, err := m.clients.ECS.CreateService(ctx, &ecs.CreateServiceInput{
		Cluster: aws.String(m.cluster), ServiceName: aws.String("web-v1"), TaskDefinition: aws.String(m.taskDef),
		DesiredCount: aws.Int32(0), LaunchType: ecstypes.LaunchTypeFargate, NetworkConfiguration: m.network,
		Tags: []ecstypes.Tag{{Key: aws.String("bake.project"), Value: aws.String("shop")}},
	})
	require.NoError(t, err)
	describe := func(include bool) int {
		in := &ecs.DescribeServicesInput{Cluster: aws.String(m.cluster), Services: []string{"web-v1"}}
		if include {
			in.Include = []ecstypes.ServiceField{ecstypes.ServiceFieldTags}
		}
		out, err := m.clients.ECS.DescribeServices(ctx, in)
		require.NoError(t, err)
		require.Len(t, out.Services, 1)
		return len(out.Services[0].Tags)
	}
	assert.Equal(t, 1, describe(true))
	assert.Equal(t, 0, describe(false), "without include, no tags (as on AWS)")

	var missing atomic.Int32
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 25 {
				if describe(true) != 1 {
					missing.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	assert.Zero(t, missing.Load(), "callers that all pass include=TAGS always get the tags")
}
