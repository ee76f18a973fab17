package ecs_test

// These tests run on moto, which starts no task and moves no deployment:
// mototest's ECS agent plays ECS's scheduler through the public API
// (tasks run for each service's desiredCount, their IPs registered in its
// target group, or crash, or never register, as a test sets their fate).
// They prove the calls bake makes and the decisions it takes from the
// answers, not that a container starts or passes a real health check.

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/mototest"
	"github.com/bakehq/bake/internal/targets"
	ecstarget "github.com/bakehq/bake/internal/targets/ecs"
)

const (
	image = "web"
	env   = "prod"
)

var seq atomic.Int64

// fixture is one test's world on moto: its own project, cluster, load
// balancer, listener and template target group, and an agent running the
// cluster's tasks.
type fixture struct {
	t        *testing.T
	calls    *awsx.Calls
	aws      *awsx.Clients
	agent    *mototest.ECSAgent
	network  *mototest.ECSNetwork
	project  string
	listener string
	template string
	target   *ecstarget.Target
	tgt      *config.Target
	keep     string
	releases int
	progress *syncBuffer
}

func newFixture(t *testing.T, keep string) *fixture {
	t.Helper()
	f := &fixture{t: t, calls: &awsx.Calls{}, project: fmt.Sprintf("p%d", seq.Add(1)), keep: keep, releases: 2, progress: &syncBuffer{}}
	cfg := mototest.AWSConfig(t, mototest.Endpoint(t), f.calls)
	f.network = mototest.NewECSNetwork(t, cfg)
	f.aws = f.network.Clients
	cluster := f.network.Cluster(t, f.project+"-cluster")
	lb := f.network.LoadBalancer(t, f.project+"-lb")
	f.template = f.network.TargetGroup(t, f.project+"-tmpl", 80, elbtypes.TargetTypeEnumIp)
	f.listener = f.network.Listener(t, lb, 80, f.template)

	f.tgt = &config.Target{Type: config.TargetECS, Replicas: 2, HealthTimeout: 20 * time.Second, Strategy: config.BlueGreen,
		ECS: &config.ECS{Cluster: cluster, Listener: f.listener, TargetGroup: f.template, Service: image,
			LaunchType: config.ECSFargate, NetworkMode: config.ECSAWSVPC, CPU: 256, Memory: 512, Port: 8080}}
	f.agent = mototest.StartECSAgent(t, cfg, cluster)
	f.target = f.newTarget()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("progress:\n%s", f.progress.String())
		}
	})
	return f
}

// newTarget is a target as one bake run makes it.
func (f *fixture) newTarget() *ecstarget.Target {
	t := ecstarget.New(f.aws, f.project, "op-"+f.project, f.progress)
	t.Poll = 50 * time.Millisecond
	return t
}

// release is image@version, as the ledger records it.
func release(version string) ledger.Release {
	digest := "sha256:" + strings.Repeat(fmt.Sprintf("%x", len(version)+int(version[len(version)-1])), 64)[:64]
	return ledger.Release{Image: image, Version: version, Digest: digest, Reference: "registry.test/web@" + digest}
}

// request is the target request a promotion of rel makes.
func (f *fixture) request(rel ledger.Release) targets.Request {
	return targets.Request{Env: env, Image: &config.Image{Name: image, Port: 8080}, Target: f.tgt, Release: rel,
		Keep: f.keep, Releases: f.releases}
}

// deploy deploys rel, then retires what it replaced (previous), as a
// promotion does, and returns the API calls it made by operation.
func (f *fixture) deploy(ctx context.Context, rel ledger.Release, previous string) (map[string]int, error) {
	before := f.calls.ByOperation()
	req := f.request(rel)
	if _, err := f.target.Deploy(ctx, req); err != nil {
		return nil, err
	}
	if err := f.target.Retire(ctx, req, previous); err != nil {
		return nil, err
	}
	return diff(before, f.calls.ByOperation()), nil
}

func diff(before, after map[string]int) map[string]int {
	out := map[string]int{}
	for k, n := range after {
		if d := n - before[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}

// serviceName is the ECS service of version.
func (f *fixture) serviceName(version string) string { return f.tgt.ECS.ServiceName(version) }

// service reads version's service; nil when there is none or it is deleted.
func (f *fixture) service(version string) *ecstypes.Service {
	f.t.Helper()
	out, err := f.aws.ECS.DescribeServices(f.t.Context(), &ecs.DescribeServicesInput{Cluster: aws.String(f.tgt.ECS.Cluster),
		Services: []string{f.serviceName(version)}, Include: []ecstypes.ServiceField{ecstypes.ServiceFieldTags}})
	require.NoError(f.t, err)
	if len(out.Services) == 0 || aws.ToString(out.Services[0].Status) == "INACTIVE" {
		return nil
	}
	return &out.Services[0]
}

// weights reads the listener's forward action, by target group name.
func (f *fixture) weights() map[string]int32 {
	f.t.Helper()
	out, err := f.aws.ELB.DescribeListeners(f.t.Context(), &elbv2.DescribeListenersInput{ListenerArns: []string{f.listener}})
	require.NoError(f.t, err)
	m := map[string]int32{}
	for _, a := range out.Listeners[0].DefaultActions {
		if a.ForwardConfig != nil && len(a.ForwardConfig.TargetGroups) > 0 {
			for _, tg := range a.ForwardConfig.TargetGroups {
				m[f.tgNameOf(aws.ToString(tg.TargetGroupArn))] = aws.ToInt32(tg.Weight)
			}
		} else if a.TargetGroupArn != nil {
			m[f.tgNameOf(*a.TargetGroupArn)] = 1
		}
	}
	return m
}

// tgNameOf names a target group: "template", or the version its name is of.
func (f *fixture) tgNameOf(arn string) string {
	if arn == f.template {
		return "template"
	}
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0", "1.3.0"} {
		if strings.Contains(arn, ":targetgroup/"+ecstarget.TargetGroupName(f.project, env, f.serviceName(v))+"/") {
			return v
		}
	}
	return arn
}

// targetGroupExists reports whether version's target group exists.
func (f *fixture) targetGroupExists(version string) bool {
	f.t.Helper()
	_, err := f.aws.ELB.DescribeTargetGroups(f.t.Context(), &elbv2.DescribeTargetGroupsInput{
		Names: []string{ecstarget.TargetGroupName(f.project, env, f.serviceName(version))}})
	return err == nil
}

// syncBuffer is a strings.Builder safe for the target's progress writes.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
