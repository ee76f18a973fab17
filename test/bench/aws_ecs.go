package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/mototest"
)

// ecsReplicas is the tasks of each ECS service of the bench.
const ecsReplicas = 3

// ecsEnv is one environment of the ECS bench: a cluster of its own, a
// listener of the bench's load balancer and a template target group.
type ecsEnv struct {
	name, keep                  string
	cluster, listener, template string
}

// ecsRuns are the measurements of one ECS operation: what bake reported
// as its API calls, and how long the command took.
type ecsRuns struct {
	calls   []string
	detail  []string // the calls by operation, as bake lists them
	seconds []float64
}

func (r *ecsRuns) add(o op) {
	if o.OK {
		r.calls = append(r.calls, awsCalls(o))
		r.detail = append(r.detail, awsCallsDetail(o))
		r.seconds = append(r.seconds, round(o.S(), 2))
	}
}

// median is the count of the run whose count is the median, and its calls
// by operation.
func (r *ecsRuns) median() (string, string) {
	var calls []float64
	for _, v := range r.calls {
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			calls = append(calls, n)
		}
	}
	if len(calls) == 0 {
		return "-", ""
	}
	med := statsOf(calls).med(0)
	for i, v := range r.calls {
		if v == med {
			return med, r.detail[i]
		}
	}
	return med, ""
}

// ecsSection measures promotions and rollbacks of hello (the bench
// project's releases, copied into a project of their own) on ECS services
// on the bench's moto, with mototest's agent running the tasks.
func (b *bench) ecsSection(c *awsx.Clients) string {
	ctx := context.Background()
	loadBefore, t0 := loadAverage(), time.Now()
	envs := b.ecsWorld(ctx, c)
	dir := filepath.Join(b.work, "aws-ecs")
	if err := os.RemoveAll(dir); err != nil {
		die("%v", err)
	}
	copyDir(b.dir, dir)
	yaml := b.readYAML()
	i := strings.Index(yaml, "\nenvironments:")
	if i < 0 {
		die("bake.yaml: no environments: the ECS bench cannot replace them")
	}
	var s strings.Builder
	fmt.Fprintf(&s, "%s\naws: {region: %s, endpoint: %q}\nenvironments:\n", yaml[:i], awsRegion, b.moto)
	for _, e := range envs {
		fmt.Fprintf(&s, "  - name: %s\n    retention: {previous: %s}\n    targets:\n      hello: {type: ecs, cluster: %s, listener: %q, target_group: %q, replicas: %d, health_timeout: 2m}\n",
			e.name, e.keep, e.cluster, e.listener, e.template, ecsReplicas)
	}
	if err := os.WriteFile(filepath.Join(dir, "bake.yaml"), []byte(s.String()), 0o644); err != nil {
		die("%v", err)
	}
	b.output(dir, b.bake, "config", "validate")

	var first, warm, stopped, toWarm, toStopped ecsRuns
	for r := 0; r < rounds; r++ {
		logf("aws ecs round %d/%d: hello@1.0.0 then 1.1.0 then back, keeping the replaced service warm, then stopped", r+1, rounds)
		for _, e := range envs[2*r : 2*r+2] {
			agent, err := mototest.NewECSAgent(c.Config, e.cluster, logf)
			if err != nil {
				die("aws: starting the ECS agent: %v", err)
			}
			name := fmt.Sprintf("aws-ecs-%s", e.name)
			first.add(b.bakeOp(name+"-promote-1.0.0", dir, opTimeout, "promote", "hello@1.0.0", "--to", e.name))
			next, back := &warm, &toWarm
			if e.keep == "stopped" {
				next, back = &stopped, &toStopped
			}
			next.add(b.bakeOp(name+"-promote-1.1.0", dir, opTimeout, "promote", "hello@1.1.0", "--to", e.name))
			back.add(b.bakeOp(name+"-rollback", dir, opTimeout, "rollback", "hello", "--env", e.name, "--yes"))
			agent.Stop()
		}
	}
	var details []string
	row := func(what string, r ecsRuns) string {
		list := "-"
		if len(r.calls) > 0 {
			list = strings.Join(r.calls, " ")
		}
		med, detail := r.median()
		if detail != "" {
			details = append(details, fmt.Sprintf("- %s: %s (%s)", what, med, detail))
		}
		return fmt.Sprintf("| %s | %s | %s | %s | %s |", what, med, list, statsOf(r.seconds).med(2), each(r.seconds, 2))
	}
	rows := []string{
		row("first `bake promote hello@1.0.0` (revision, target group, service)", first),
		row("`bake promote hello@1.1.0`, 1.0.0 kept warm", warm),
		row("`bake promote hello@1.1.0`, 1.0.0 stopped (scaled to zero)", stopped),
		row("`bake rollback hello` to the warm 1.0.0 (one listener change)", toWarm),
		row("`bake rollback hello` to the stopped 1.0.0 (scaled up, waited for)", toStopped),
	}
	warmS, toWarmS := statsOf(warm.seconds), statsOf(toWarm.seconds)
	return fmt.Sprintf(`
#### ECS services behind a listener

hello (the bench project's two releases) as ECS services of %d tasks on
Fargate, each in an environment of its own: a cluster, a listener of one
load balancer and a template target group. In each of %d rounds, one
environment keeps the replaced release warm and another stopped; in each,
hello@1.0.0 is promoted (the first promote: a task definition revision, a
target group and a service), then 1.1.0, then rolled back to 1.0.0.
moto starts no task: mototest's ECS agent plays the scheduler (every
150 ms it runs each service's tasks and registers them in its target group),
so a promote's time is mostly bake's 5 s poll of the tasks' health, and
a rollback to a warm release waits for nothing.

| operation | API calls, median | each run | median s | each run, s |
| --- | ---: | --- | ---: | --- |
%s

A rollback to the warm release takes %s of the time of a promote that starts
a new service (median over median). The calls of the run whose count is the
median:

%s

Load average (1, 5, 15 min) on this machine's %d CPUs:
%s when the ECS rows started, %s when they ended; they took %.0f s.
`, ecsReplicas, rounds, strings.Join(rows, "\n"),
		ratio(round(toWarmS.Med, 2), round(warmS.Med, 2)), strings.Join(details, "\n"), runtime.NumCPU(), loadBefore, loadAverage(), time.Since(t0).Seconds())
}

// ecsWorld makes, on the bench's moto, two environments per round (the
// first keeping the replaced release warm, the second stopped), each with a
// cluster, a template target group and a listener of one load balancer.
func (b *bench) ecsWorld(ctx context.Context, c *awsx.Clients) []ecsEnv {
	vpcs, err := c.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{
		{Name: aws.String("is-default"), Values: []string{"true"}}}})
	if err != nil || len(vpcs.Vpcs) == 0 {
		die("aws: no default VPC on moto: %v", err)
	}
	vpc := vpcs.Vpcs[0].VpcId
	subnets, err := c.EC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{aws.ToString(vpc)}}}})
	if err != nil || len(subnets.Subnets) < 2 {
		die("aws: the default VPC on moto has fewer than 2 subnets: %v", err)
	}
	lb, err := c.ELB.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("bench-ecs"),
		Subnets: []string{aws.ToString(subnets.Subnets[0].SubnetId), aws.ToString(subnets.Subnets[1].SubnetId)}})
	if err != nil {
		die("aws: creating a load balancer: %v", err)
	}
	var envs []ecsEnv
	for r := 1; r <= rounds; r++ {
		for _, keep := range []string{"warm", "stopped"} {
			e := ecsEnv{name: fmt.Sprintf("%s%d", keep, r), keep: keep}
			e.cluster = "bench-" + e.name
			if _, err := c.ECS.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String(e.cluster)}); err != nil {
				die("aws: creating cluster %s: %v", e.cluster, err)
			}
			tg, err := c.ELB.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{
				Name: aws.String("bench-" + e.name), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(8080),
				VpcId: vpc, TargetType: elbtypes.TargetTypeEnumIp, HealthCheckPath: aws.String("/healthz"),
			})
			if err != nil {
				die("aws: creating a target group: %v", err)
			}
			e.template = aws.ToString(tg.TargetGroups[0].TargetGroupArn)
			l, err := c.ELB.CreateListener(ctx, &elbv2.CreateListenerInput{
				LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Protocol: elbtypes.ProtocolEnumHttp,
				Port:           aws.Int32(int32(8000 + len(envs))),
				DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(e.template)}},
			})
			if err != nil {
				die("aws: creating a listener: %v", err)
			}
			e.listener = aws.ToString(l.Listeners[0].ListenerArn)
			envs = append(envs, e)
		}
	}
	return envs
}
