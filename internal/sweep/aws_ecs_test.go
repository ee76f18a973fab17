package sweep

import (
	"context"
	"fmt"
	"slices"
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
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/mototest"
	"github.com/bakehq/bake/internal/targets"
	ecstarget "github.com/bakehq/bake/internal/targets/ecs"
)

// ecsFixture is an ecs target's world on moto after a killed promote:
// what recorded deployments run and keep, and what the killed run left.
type ecsFixture struct {
	c         *awsx.Clients
	project   string
	tgt       *config.Target
	listener  string
	template  string
	succeeded []string // versions the ledger records as deployed to prod
}

const ecsEnv = "prod"

func newECSFixture(t *testing.T) *ecsFixture {
	ctx := t.Context()
	mototest.Reset(t)
	cfg := mototest.AWSConfig(t, mototest.Endpoint(t), nil)
	net := mototest.NewECSNetwork(t, cfg)
	f := &ecsFixture{c: net.Clients, project: "shop"}
	cluster := net.Cluster(t, f.project+"-cluster")
	lb := net.LoadBalancer(t, f.project+"-lb")
	f.template = net.TargetGroup(t, f.project+"-tmpl", 80, elbtypes.TargetTypeEnumIp)
	f.listener = net.Listener(t, lb, 80, f.template)
	f.tgt = &config.Target{Type: config.TargetECS, Replicas: 1, HealthTimeout: 30 * time.Second, Strategy: config.BlueGreen,
		ECS: &config.ECS{Cluster: cluster, Listener: f.listener, TargetGroup: f.template, Service: "web",
			LaunchType: config.ECSFargate, NetworkMode: config.ECSAWSVPC, CPU: 256, Memory: 512, Port: 8080}}

	agent := mototest.StartECSAgent(t, cfg, cluster)
	// Recorded: 0.9.0, then 1.0.0, which keeps 0.9.0 stopped for rollback.
	done := f.target("op-done")
	f.deploy(t, done, "0.9.0", "")
	f.deploy(t, done, "1.0.0", "0.9.0")
	f.succeeded = []string{"0.9.0", "1.0.0"}
	// Killed after 1.1.0's service was up, before its switch: the listener
	// is as it was, 1.1.0's group in it at weight 0.
	_, err := f.target("op-dead").Deploy(ctx, f.request("1.1.0"))
	require.NoError(t, err)
	_, err = done.Deploy(ctx, f.request("1.0.0"))
	require.NoError(t, err)
	agent.Stop()
	return f
}

func (f *ecsFixture) target(op string) *ecstarget.Target {
	t := ecstarget.New(f.c, f.project, op, nil)
	t.Poll = 50 * time.Millisecond
	return t
}

func (f *ecsFixture) request(version string) targets.Request {
	digest := "sha256:" + fmt.Sprintf("%064x", len(version)*1000+int(version[len(version)-3]))
	return targets.Request{Env: ecsEnv, Image: &config.Image{Name: "web", Port: 8080}, Target: f.tgt, Keep: config.KeepStopped, Releases: 2,
		Release: ledger.Release{Image: "web", Version: version, Digest: digest, Reference: "registry.test/web@" + digest}}
}

func (f *ecsFixture) deploy(t *testing.T, tg *ecstarget.Target, version, previous string) {
	req := f.request(version)
	_, err := tg.Deploy(t.Context(), req)
	require.NoError(t, err)
	require.NoError(t, tg.Retire(t.Context(), req, previous))
}

// labels are the tags the ecs target gives what it makes for version.
func (f *ecsFixture) labels(project, op, version string) map[string]string {
	return engine.Labels(op, engine.KindReplica, map[string]string{engine.LabelProject: project, engine.LabelEnv: ecsEnv,
		engine.LabelImage: "web", engine.LabelVersion: version})
}

// revision registers a task definition revision of the target's family,
// as a run killed right after registering it leaves it.
func (f *ecsFixture) revision(t *testing.T, project, op, version string) string {
	var tags []ecstypes.Tag
	for k, v := range f.labels(project, op, version) {
		tags = append(tags, ecstypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	out, err := f.c.ECS.RegisterTaskDefinition(t.Context(), &ecs.RegisterTaskDefinitionInput{
		Family: aws.String(f.tgt.ECS.Family(f.project, ecsEnv)), NetworkMode: ecstypes.NetworkModeAwsvpc, Tags: tags,
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("web"), Image: aws.String("registry.test/web@sha256:00"),
			MemoryReservation: aws.Int32(128)}}})
	require.NoError(t, err)
	return aws.ToString(out.TaskDefinition.TaskDefinitionArn)
}

// group creates a copy of the template named as the target names
// version's, as a run killed right after creating it leaves it.
func (f *ecsFixture) group(t *testing.T, project, op, version string) string {
	var tags []elbtypes.Tag
	for k, v := range f.labels(project, op, version) {
		tags = append(tags, elbtypes.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	tmpl, err := f.c.ELB.DescribeTargetGroups(t.Context(), &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{f.template}})
	require.NoError(t, err)
	out, err := f.c.ELB.CreateTargetGroup(t.Context(), &elbv2.CreateTargetGroupInput{
		Name:     aws.String(ecstarget.TargetGroupName(project, ecsEnv, f.tgt.ECS.ServiceName(version))),
		Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80), VpcId: tmpl.TargetGroups[0].VpcId,
		TargetType: elbtypes.TargetTypeEnumIp, Tags: tags})
	require.NoError(t, err)
	return aws.ToString(out.TargetGroups[0].TargetGroupArn)
}

func (f *ecsFixture) sweeper(known ...string) *AWSSweeper {
	return &AWSSweeper{Clients: f.c,
		ECS:   []ECSPlace{{Cluster: f.tgt.ECS.Cluster, Family: f.tgt.ECS.Family(f.project, ecsEnv), Listener: f.listener}},
		Known: func(op string) bool { return slices.Contains(known, op) },
		Succeeded: func(image, env, version string) bool {
			return image == "web" && env == ecsEnv && slices.Contains(f.succeeded, version)
		}}
}

// live reads the services of the cluster that are not deleted, by name,
// and the listener's weights by target group ARN.
func (f *ecsFixture) live(t *testing.T) (map[string]ecstypes.Service, map[string]int32) {
	services, err := listServices(t.Context(), f.c, f.tgt.ECS.Cluster)
	require.NoError(t, err)
	byName := map[string]ecstypes.Service{}
	for _, s := range services {
		byName[aws.ToString(s.ServiceName)] = s
	}
	l, err := f.c.ELB.DescribeListeners(t.Context(), &elbv2.DescribeListenersInput{ListenerArns: []string{f.listener}})
	require.NoError(t, err)
	weights := map[string]int32{}
	for _, a := range l.Listeners[0].DefaultActions {
		for tg, w := range forwardWeightsOf(a) {
			weights[tg] = w
		}
	}
	return byName, weights
}

func (f *ecsFixture) exists(t *testing.T, arn string) bool {
	_, err := f.c.ELB.DescribeTargetGroups(t.Context(), &elbv2.DescribeTargetGroupsInput{TargetGroupArns: []string{arn}})
	if isCode(err, "TargetGroupNotFound") {
		return false
	}
	require.NoError(t, err)
	return true
}

func (f *ecsFixture) active(t *testing.T, arn string) bool {
	out, err := f.c.ECS.DescribeTaskDefinition(t.Context(), &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(arn)})
	if isCode(err, "ClientException") { // deleted
		return false
	}
	require.NoError(t, err)
	return out.TaskDefinition.Status == ecstypes.TaskDefinitionStatusActive
}

// A promote killed before its switch leaves its service, its target group
// (in the listener at weight 0) and its revision; one killed earlier a
// revision or a group alone. Sweep lists them, removes them, and leaves
// what recorded deployments run or keep, other projects' and unknown
// runs' resources as they are.
func TestAWSSweepECS(t *testing.T) {
	f := newECSFixture(t)
	ctx := context.Background()
	orphanTD := f.revision(t, f.project, "op-dead", "1.2.0")
	orphanTG := f.group(t, f.project, "op-dead", "1.2.0")
	plantedTD := f.revision(t, f.project, "planted", "1.3.0")
	otherTG := f.group(t, "other", "op-dead", "1.2.0")

	services, weights := f.live(t)
	require.Len(t, services, 3, "0.9.0 (stopped), 1.0.0 (serving) and 1.1.0 (the killed run's)")
	dead := services["web-v1-1-0"]
	deadTG, deadTD := serviceTargetGroup(dead), aws.ToString(dead.TaskDefinition)
	serving := services["web-v1-0-0"]
	stopped := services["web-v0-9-0"]
	require.Equal(t, int32(0), stopped.DesiredCount)
	w, in := weights[deadTG]
	require.True(t, in, "the killed run's group is in the forward action")
	require.Equal(t, int32(0), w)
	require.Equal(t, int32(100), weights[serviceTargetGroup(serving)])

	sw := f.sweeper("op-done", "op-dead")
	found, err := sw.Find(ctx, Selector{Project: f.project})
	require.NoError(t, err)
	got := map[Resource][]string{}
	alone := map[string]string{}
	for _, l := range found {
		got[l.Resource] = append(got[l.Resource], l.ID)
		if l.LeftAlone != "" {
			alone[l.ID] = l.LeftAlone
		}
		assert.Equal(t, f.project, l.Project)
		assert.Equal(t, "us-east-1", l.Region)
	}
	assert.Equal(t, []string{aws.ToString(dead.ServiceArn)}, got[ECSService])
	assert.ElementsMatch(t, []string{deadTG, orphanTG}, got[TargetGroup], "not the other project's, not the recorded ones'")
	assert.ElementsMatch(t, []string{deadTD, orphanTD, plantedTD}, got[TaskDefinition])
	assert.Equal(t, map[string]string{plantedTD: "no bake run known here created it (operation planted is in neither the run journal nor the ledger)"}, alone)
	assert.Equal(t, ECSService, found[0].Resource, "services come first")

	// A dry run (Find alone) changed nothing.
	after, afterWeights := f.live(t)
	assert.Len(t, after, 3)
	assert.Equal(t, weights, afterWeights)

	require.NoError(t, sw.Remove(ctx, found))
	for _, l := range found {
		assert.Equal(t, l.LeftAlone == "", l.Removed, "%s %s: %s", l.Resource, l.Name, l.Error)
	}
	after, afterWeights = f.live(t)
	assert.NotContains(t, after, "web-v1-1-0", "the killed run's service is deleted")
	assert.Contains(t, after, "web-v1-0-0")
	assert.Equal(t, int32(1), after["web-v1-0-0"].DesiredCount, "the serving service is untouched")
	assert.Contains(t, after, "web-v0-9-0", "the stopped one, kept for rollback, stays")
	assert.NotContains(t, afterWeights, deadTG, "its group left the forward action")
	assert.Equal(t, int32(100), afterWeights[serviceTargetGroup(serving)])
	assert.False(t, f.exists(t, deadTG))
	assert.False(t, f.exists(t, orphanTG))
	assert.True(t, f.exists(t, otherTG), "another project's group stays")
	assert.True(t, f.exists(t, serviceTargetGroup(stopped)))
	assert.False(t, f.active(t, deadTD))
	assert.False(t, f.active(t, orphanTD))
	assert.True(t, f.active(t, plantedTD), "an unknown run's revision stays")
	assert.True(t, f.active(t, aws.ToString(serving.TaskDefinition)))
	assert.True(t, f.active(t, aws.ToString(stopped.TaskDefinition)))

	again, err := sw.Find(ctx, Selector{Project: f.project})
	require.NoError(t, err)
	assert.Equal(t, []string{plantedTD}, ids(again)[TaskDefinition])
	assert.Len(t, again, 1, "%v", again)
}

// A run killed after its switch serves, though nothing recorded it: its
// service and group stay for `bake recover`.
func TestAWSSweepECSLeavesWhatServes(t *testing.T) {
	f := newECSFixture(t)
	f.succeeded = []string{"0.9.0"} // as if 1.0.0's outcome were never recorded
	found, err := f.sweeper("op-done", "op-dead").Find(context.Background(), Selector{Project: f.project})
	require.NoError(t, err)
	services, _ := f.live(t)
	serving := services["web-v1-0-0"]
	for _, l := range found {
		assert.NotEqual(t, aws.ToString(serving.ServiceArn), l.ID)
		assert.NotEqual(t, serviceTargetGroup(serving), l.ID)
		assert.NotEqual(t, aws.ToString(serving.TaskDefinition), l.ID)
	}
	assert.Len(t, ids(found)[ECSService], 1, "the killed run's service only: %v", found)
}
