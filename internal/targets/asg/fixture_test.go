package asg_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/artifact"
	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/sqlite"
	"github.com/bakehq/bake/internal/mototest"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/targets"
	"github.com/bakehq/bake/internal/targets/asg"
	"github.com/bakehq/bake/internal/targets/ssmpointer"
)

const (
	region = "us-east-1"
	image  = "web"
	env    = "prod"
)

var seq atomic.Int64

// fixture is one test's world on moto: its own project name, target group
// and AMIs, so tests share the server and may run in parallel.
type fixture struct {
	t        *testing.T
	calls    *awsx.Calls
	aws      *awsx.Clients
	project  string
	tg       string // target group ARN
	target   *asg.Target
	env      *config.Environment
	store    ledger.Store
	deployer *promote.Engine
	progress *syncBuffer
	killCtx  context.Context // the context of a run killedDuringBringUp ends
}

func newFixture(t *testing.T, keep string, releases int) *fixture {
	t.Helper()
	endpoint := mototest.Endpoint(t)
	f := &fixture{t: t, calls: &awsx.Calls{}, project: fmt.Sprintf("p%d", seq.Add(1)), progress: &syncBuffer{}}
	cfg, err := awsx.Load(t.Context(), awsx.Settings{Region: region, Endpoint: endpoint}, f.calls)
	require.NoError(t, err)
	f.aws = awsx.NewClients(cfg)

	vpcs, err := f.aws.EC2.DescribeVpcs(t.Context(), &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{
		{Name: aws.String("is-default"), Values: []string{"true"}}}})
	require.NoError(t, err)
	require.NotEmpty(t, vpcs.Vpcs, "moto has a default VPC")
	tg, err := f.aws.ELB.CreateTargetGroup(t.Context(), &elbv2.CreateTargetGroupInput{
		Name: aws.String(f.project + "-web"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		VpcId: vpcs.Vpcs[0].VpcId, TargetType: elbtypes.TargetTypeEnumInstance,
	})
	require.NoError(t, err)
	f.tg = aws.ToString(tg.TargetGroups[0].TargetGroupArn)

	f.target = f.newTarget()
	f.env = &config.Environment{Name: env, Retention: config.Retention{Previous: keep, Releases: releases},
		Targets: map[string]*config.Target{image: {
			Type: config.TargetASG, Replicas: 3, HealthTimeout: 10 * time.Second, Strategy: config.BlueGreen,
			ASG: &config.ASG{Group: f.project + "-" + env + "-" + image, TargetGroups: []string{f.tg}, InstanceType: "t3.micro"},
		}}}
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "ledger.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	f.store = store
	proj := &config.Project{Name: f.project, Images: []*config.Image{{Name: image}}, Environments: []*config.Environment{f.env}}
	f.deployer = &promote.Engine{Project: proj, Store: store, Target: f.target, User: "test", Progress: f.progress}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("progress:\n%s", f.progress.String())
		}
	})
	return f
}

// newTarget is a target as one bake run makes it: nothing read yet.
func (f *fixture) newTarget() *asg.Target {
	t := asg.New(f.aws, f.project, "op-"+f.project, f.progress)
	t.Poll, t.DrainTimeout = 20*time.Millisecond, time.Second
	return t
}

// fresh starts over with a new target, as the next bake run would.
func (f *fixture) fresh() {
	f.target = f.newTarget()
	f.deployer.Target = f.target
}

// release registers an AMI in moto and records it as image@version.
func (f *fixture) release(version string) ledger.Release {
	f.t.Helper()
	out, err := f.aws.EC2.RegisterImage(f.t.Context(), &ec2.RegisterImageInput{Name: aws.String(f.project + "-" + version)})
	require.NoError(f.t, err)
	amis := map[string]string{region: aws.ToString(out.ImageId)}
	rel := ledger.Release{
		Image: image, Version: version, Digest: artifact.AMIDigest(amis),
		Status: ledger.StatusValidated, CreatedAt: time.Now().UTC(), CreatedBy: "test", AMIs: amis,
	}
	require.NoError(f.t, f.store.PutRelease(f.t.Context(), rel))
	return rel
}

// request is the target request the deployer makes for rel.
func (f *fixture) request(rel ledger.Release) targets.Request {
	return targets.Request{Env: env, Image: &config.Image{Name: image}, Target: f.env.Targets[image], Release: rel,
		Keep: f.env.Retention.Previous, Releases: f.env.Retention.Releases}
}

// groupName is the Auto Scaling group of version.
func (f *fixture) groupName(version string) string {
	return asg.GroupName(f.env.Targets[image].ASG.Group, version)
}

// group reads an Auto Scaling group from moto; nil if there is none.
func (f *fixture) group(version string) *astypes.AutoScalingGroup {
	f.t.Helper()
	out, err := f.aws.AutoScaling.DescribeAutoScalingGroups(f.t.Context(), &autoscaling.DescribeAutoScalingGroupsInput{
		AutoScalingGroupNames: []string{f.groupName(version)}})
	require.NoError(f.t, err)
	if len(out.AutoScalingGroups) == 0 {
		return nil
	}
	return &out.AutoScalingGroups[0]
}

// instances lists a group's instance ids.
func (f *fixture) instances(version string) []string {
	g := f.group(version)
	if g == nil {
		return nil
	}
	var ids []string
	for _, i := range g.Instances {
		ids = append(ids, aws.ToString(i.InstanceId))
	}
	return ids
}

// registered maps every target registered in the target group to its state.
func (f *fixture) registered() map[string]string {
	f.t.Helper()
	out, err := f.aws.ELB.DescribeTargetHealth(f.t.Context(), &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(f.tg)})
	require.NoError(f.t, err)
	m := map[string]string{}
	for _, d := range out.TargetHealthDescriptions {
		m[aws.ToString(d.Target.Id)] = string(d.TargetHealth.State)
	}
	return m
}

// serving asserts that the target group holds exactly the instances of
// version, all healthy.
func (f *fixture) serving(version string) {
	f.t.Helper()
	want := map[string]string{}
	for _, id := range f.instances(version) {
		want[id] = "healthy"
	}
	require.Len(f.t, want, 3, "%s has 3 instances", version)
	require.Equal(f.t, want, f.registered(), "the target group serves %s only", version)
}

// templateExists reports whether version's launch template exists.
func (f *fixture) templateExists(version string) bool {
	f.t.Helper()
	out, err := f.aws.EC2.DescribeLaunchTemplates(f.t.Context(), &ec2.DescribeLaunchTemplatesInput{
		LaunchTemplateNames: []string{f.groupName(version)}})
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() == "InvalidLaunchTemplateName.NotFoundException" {
		return false
	}
	require.NoError(f.t, err)
	return len(out.LaunchTemplates) == 1
}

// pointer reads the environment's SSM parameter.
func (f *fixture) pointer() ssmpointer.Pointer {
	f.t.Helper()
	out, err := f.aws.SSM.GetParameter(f.t.Context(), &ssm.GetParameterInput{Name: aws.String(ssmpointer.Name(f.project, image, env))})
	require.NoError(f.t, err)
	var p ssmpointer.Pointer
	require.NoError(f.t, json.Unmarshal([]byte(aws.ToString(out.Parameter.Value)), &p))
	return p
}

// execute runs a deployment through the deployer and returns the API
// calls it made, by operation.
func (f *fixture) execute(kind string, rel ledger.Release) (promote.Result, map[string]int, error) {
	before := f.calls.ByOperation()
	res, err := f.deployer.Execute(f.t.Context(), kind, f.env, rel)
	after := f.calls.ByOperation()
	for k, v := range before {
		after[k] -= v
		if after[k] == 0 {
			delete(after, k)
		}
	}
	return res, after, err
}

// formatCalls renders counts as "total (Op n, ...)".
func formatCalls(c map[string]int) string {
	total := 0
	var parts []string
	for _, k := range sortedKeys(c) {
		total += c[k]
		parts = append(parts, fmt.Sprintf("%s %d", k, c[k]))
	}
	return fmt.Sprintf("%d (%s)", total, strings.Join(parts, ", "))
}

func sortedKeys(m map[string]int) []string { return slices.Sorted(maps.Keys(m)) }

// syncBuffer collects progress lines from concurrent writers.
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
