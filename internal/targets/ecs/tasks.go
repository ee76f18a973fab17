package ecs

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// task is one task of a service, as the health wait weighs it.
type task struct {
	id      string // the last part of its ARN
	status  string // lastStatus: PROVISIONING, PENDING, RUNNING, ... STOPPED
	reason  string // stoppedReason
	address string // where its target group reaches it: IP (awsvpc) or ":host port" (bridge)
}

// tasksOf reads the tasks of the services names (by group "service:NAME"),
// running or stopped as status says. ListTasks is asked for one service
// when there is one; the answer is still filtered by group, as ECS's
// scheduler sets it, since moto lists the whole cluster.
func (t *Target) tasksOf(ctx context.Context, cluster string, status ecstypes.DesiredStatus, names ...string) (map[string][]task, error) {
	in := &ecs.ListTasksInput{Cluster: aws.String(cluster), DesiredStatus: status}
	if len(names) == 1 {
		in.ServiceName = aws.String(names[0])
	}
	var arns []string
	pages := ecs.NewListTasksPaginator(t.ECS, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing the tasks of cluster %q: %w", cluster, err)
		}
		arns = append(arns, page.TaskArns...)
	}
	want := map[string]string{}
	for _, n := range names {
		want["service:"+n] = n
	}
	out := map[string][]task{}
	for len(arns) > 0 {
		batch := arns[:min(100, len(arns))]
		arns = arns[len(batch):]
		got, err := t.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{Cluster: aws.String(cluster), Tasks: batch})
		if err != nil {
			return nil, fmt.Errorf("reading the tasks of cluster %q: %w", cluster, err)
		}
		for _, tk := range got.Tasks {
			name, ok := want[aws.ToString(tk.Group)]
			if !ok {
				continue
			}
			out[name] = append(out[name], taskOf(tk))
		}
	}
	return out, nil
}

func taskOf(tk ecstypes.Task) task {
	arn := aws.ToString(tk.TaskArn)
	out := task{id: arn[strings.LastIndex(arn, "/")+1:], status: aws.ToString(tk.LastStatus), reason: aws.ToString(tk.StoppedReason)}
	for _, att := range tk.Attachments {
		for _, d := range att.Details {
			if aws.ToString(d.Name) == "privateIPv4Address" {
				out.address = aws.ToString(d.Value)
			}
		}
	}
	if out.address == "" {
		for _, c := range tk.Containers {
			for _, b := range c.NetworkBindings {
				if b.HostPort != nil {
					out.address = fmt.Sprintf(":%d", *b.HostPort)
				}
			}
		}
	}
	return out
}

// targetHealth reads the health of every target registered in tg, by
// address: "IP" for an ip target group, ":PORT" for an instance one.
func (t *Target) targetHealth(ctx context.Context, tg string) (map[string]elbtypes.TargetHealth, error) {
	out, err := t.ELB.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(tg)})
	if err != nil {
		return nil, fmt.Errorf("reading target health in %s: %w", tgName(tg), err)
	}
	health := map[string]elbtypes.TargetHealth{}
	for _, d := range out.TargetHealthDescriptions {
		if d.Target == nil || d.TargetHealth == nil {
			continue
		}
		id := aws.ToString(d.Target.Id)
		if strings.HasPrefix(id, "i-") && d.Target.Port != nil {
			id = fmt.Sprintf(":%d", *d.Target.Port)
		}
		health[id] = *d.TargetHealth
	}
	return health, nil
}

// healthyIn counts the tasks among ts that are RUNNING and healthy in
// health; the first one that is not says why.
func healthyIn(ts []task, health map[string]elbtypes.TargetHealth) (running, healthy int, why string) {
	for _, tk := range ts {
		if tk.status != "RUNNING" {
			continue
		}
		running++
		h, ok := health[tk.address]
		switch {
		case ok && h.State == elbtypes.TargetHealthStateEnumHealthy:
			healthy++
		case why != "":
		case !ok:
			why = fmt.Sprintf("task %s (%s) is not registered in its target group yet", tk.id, orNone(tk.address))
		default:
			why = fmt.Sprintf("task %s (%s) is %s", tk.id, tk.address, h.State)
			if h.Description != nil {
				why += ": " + *h.Description
			}
		}
	}
	return running, healthy, why
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
