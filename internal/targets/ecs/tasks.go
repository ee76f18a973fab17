package ecs

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// task is one task of a service, as the health wait weighs it.
type task struct {
	id       string // the last part of its ARN
	status   string // lastStatus: PROVISIONING, PENDING, RUNNING, ... STOPPED
	reason   string // stoppedReason
	address  string // where its target group reaches it: IP (awsvpc), or "INSTANCE:HOSTPORT" (bridge)
	instance string // the ARN of its container instance (EC2 launch type)
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
	placed := map[string]bool{} // container instances of tasks with no IP of their own
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
			tk := taskOf(tk)
			if tk.instance != "" && !strings.HasPrefix(tk.address, ":") && tk.address != "" {
				tk.instance = "" // an awsvpc task on an instance: its IP is its address
			}
			if tk.instance != "" {
				placed[tk.instance] = true
			}
			out[name] = append(out[name], tk)
		}
	}
	if len(placed) == 0 {
		return out, nil
	}
	ec2IDs, err := t.instanceIDs(ctx, cluster, placed)
	if err != nil {
		return nil, err
	}
	for _, ts := range out {
		for i := range ts {
			if id := ec2IDs[ts[i].instance]; id != "" {
				ts[i].address = id + ts[i].address // "i-...:PORT", or "i-..." before ECS reports the port
			}
		}
	}
	return out, nil
}

// instanceIDs are the EC2 instance ids of the container instances arns.
func (t *Target) instanceIDs(ctx context.Context, cluster string, arns map[string]bool) (map[string]string, error) {
	all := make([]string, 0, len(arns))
	for a := range arns {
		all = append(all, a)
	}
	sort.Strings(all)
	ids := map[string]string{}
	for len(all) > 0 {
		batch := all[:min(100, len(all))]
		all = all[len(batch):]
		got, err := t.ECS.DescribeContainerInstances(ctx, &ecs.DescribeContainerInstancesInput{Cluster: aws.String(cluster), ContainerInstances: batch})
		if err != nil {
			return nil, fmt.Errorf("reading the container instances of cluster %q: %w", cluster, err)
		}
		for _, ci := range got.ContainerInstances {
			ids[aws.ToString(ci.ContainerInstanceArn)] = aws.ToString(ci.Ec2InstanceId)
		}
	}
	return ids, nil
}

func taskOf(tk ecstypes.Task) task {
	arn := aws.ToString(tk.TaskArn)
	out := task{id: arn[strings.LastIndex(arn, "/")+1:], status: aws.ToString(tk.LastStatus), reason: aws.ToString(tk.StoppedReason),
		instance: aws.ToString(tk.ContainerInstanceArn)}
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
// address: "IP" for an ip target group, "INSTANCE:PORT" for an instance one.
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
			id = fmt.Sprintf("%s:%d", id, *d.Target.Port)
		}
		health[id] = *d.TargetHealth
	}
	return health, nil
}

// resolve gives each bridge task whose host port ECS has not reported
// (address "INSTANCE") the address of a target of its instance in health
// that no other task has, healthy ones first; a task with a known address
// keeps it. Several tasks of one service may share an instance, each with
// its own dynamic host port.
func resolve(ts []task, health map[string]elbtypes.TargetHealth) []task {
	used := map[string]bool{}
	for _, tk := range ts {
		used[tk.address] = true
	}
	keys := make([]string, 0, len(health))
	for k := range health {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		hi, hj := health[keys[i]].State == elbtypes.TargetHealthStateEnumHealthy, health[keys[j]].State == elbtypes.TargetHealthStateEnumHealthy
		if hi != hj {
			return hi
		}
		return keys[i] < keys[j]
	})
	out := slices.Clone(ts)
	for i, tk := range out {
		if tk.status != "RUNNING" || !strings.HasPrefix(tk.address, "i-") || strings.Contains(tk.address, ":") {
			continue
		}
		for _, k := range keys {
			if !used[k] && strings.HasPrefix(k, tk.address+":") {
				used[k] = true
				out[i].address = k
				break
			}
		}
	}
	return out
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
