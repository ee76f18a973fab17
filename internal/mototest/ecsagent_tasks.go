package mototest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// services returns the cluster's ACTIVE services by name. It asks for
// tags, as every DescribeServices on moto must: moto keeps the include of
// the last call in a value all callers share, so a call without it can
// strip the tags from another caller's answer.
func (a *ECSAgent) services(ctx context.Context) (map[string]ecstypes.Service, error) {
	var arns []string
	p := ecs.NewListServicesPaginator(a.clients.ECS, &ecs.ListServicesInput{Cluster: aws.String(a.cluster)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing services: %w", err)
		}
		arns = append(arns, page.ServiceArns...)
	}
	services := map[string]ecstypes.Service{}
	for len(arns) > 0 {
		batch := arns[:min(10, len(arns))]
		arns = arns[len(batch):]
		out, err := a.clients.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{
			Cluster: aws.String(a.cluster), Services: batch,
			Include: []ecstypes.ServiceField{ecstypes.ServiceFieldTags},
		})
		if err != nil {
			return nil, fmt.Errorf("describing services: %w", err)
		}
		for _, s := range out.Services {
			if aws.ToString(s.Status) == "ACTIVE" {
				services[aws.ToString(s.ServiceName)] = s
			}
		}
	}
	return services, nil
}

// runningTasks returns the cluster's RUNNING tasks by group.
func (a *ECSAgent) runningTasks(ctx context.Context) (map[string][]ecstypes.Task, error) {
	var arns []string
	p := ecs.NewListTasksPaginator(a.clients.ECS, &ecs.ListTasksInput{
		Cluster: aws.String(a.cluster), DesiredStatus: ecstypes.DesiredStatusRunning,
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing tasks: %w", err)
		}
		arns = append(arns, page.TaskArns...)
	}
	groups := map[string][]ecstypes.Task{}
	for len(arns) > 0 {
		batch := arns[:min(100, len(arns))]
		arns = arns[len(batch):]
		out, err := a.clients.ECS.DescribeTasks(ctx, &ecs.DescribeTasksInput{
			Cluster: aws.String(a.cluster), Tasks: batch,
			Include: []ecstypes.TaskField{ecstypes.TaskFieldTags},
		})
		if err != nil {
			return nil, fmt.Errorf("describing tasks: %w", err)
		}
		for _, t := range out.Tasks {
			if aws.ToString(t.LastStatus) == "RUNNING" {
				groups[aws.ToString(t.Group)] = append(groups[aws.ToString(t.Group)], t)
			}
		}
	}
	return groups, nil
}

// reconcile starts, crashes, stops and registers the tasks of svc.
func (a *ECSAgent) reconcile(ctx context.Context, svc ecstypes.Service, tasks []ecstypes.Task, now time.Time) error {
	name := aws.ToString(svc.ServiceName)
	fate := a.fate(name)
	sort.Slice(tasks, func(i, j int) bool {
		return a.seen[aws.ToString(tasks[i].TaskArn)].Before(a.seen[aws.ToString(tasks[j].TaskArn)])
	})
	var errs []error
	if fate == FateCrash {
		kept := tasks[:0]
		for _, t := range tasks {
			if now.Sub(a.seen[aws.ToString(t.TaskArn)]) < crashAfter {
				kept = append(kept, t)
				continue
			}
			errs = append(errs, a.stopTask(ctx, t, CrashReason))
		}
		tasks = kept
	}
	desired := int(svc.DesiredCount)
	for len(tasks) > desired { // the newest go first
		last := tasks[len(tasks)-1]
		tasks = tasks[:len(tasks)-1]
		errs = append(errs, a.stopTask(ctx, last, fmt.Sprintf("Scaling activity initiated by (deployment %s)", deploymentID(svc))))
	}
	switch {
	case len(tasks) >= desired:
	case svc.LaunchType == ecstypes.LaunchTypeEc2:
		errs = append(errs, a.placeTasks(ctx, svc, tasks, desired-len(tasks)))
	default:
		errs = append(errs, a.runTasks(ctx, svc, desired-len(tasks)))
	}
	// A crashing task stops before a load balancer's first passing health
	// checks would make it healthy; moto reports a registered target
	// healthy at once, so only healthy tasks are registered.
	if fate == FateHealthy {
		for _, t := range tasks {
			errs = append(errs, a.register(ctx, svc, t))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("service %q: %w", name, err)
	}
	return nil
}

// deploymentID is what ECS puts in startedBy: the primary deployment's id.
func deploymentID(svc ecstypes.Service) string {
	for _, d := range svc.Deployments {
		if aws.ToString(d.Status) == "PRIMARY" {
			return aws.ToString(d.Id)
		}
	}
	return "ecs-svc/agent"
}

// runTasks starts n tasks of svc's task definition in group
// "service:NAME" (Fargate; EC2 tasks are placed by placeTasks).
func (a *ECSAgent) runTasks(ctx context.Context, svc ecstypes.Service, n int) error {
	launch := svc.LaunchType
	if launch == "" {
		launch = ecstypes.LaunchTypeFargate
	}
	in := &ecs.RunTaskInput{
		Cluster:              aws.String(a.cluster),
		TaskDefinition:       svc.TaskDefinition,
		Count:                aws.Int32(int32(min(n, 10))),
		Group:                aws.String("service:" + aws.ToString(svc.ServiceName)),
		StartedBy:            aws.String(deploymentID(svc)),
		LaunchType:           launch,
		NetworkConfiguration: svc.NetworkConfiguration,
	}
	if svc.PropagateTags == ecstypes.PropagateTagsService {
		in.Tags = svc.Tags
	}
	out, err := a.clients.ECS.RunTask(ctx, in)
	if err != nil {
		return fmt.Errorf("running tasks: %w", err)
	}
	if len(out.Failures) > 0 {
		return fmt.Errorf("running tasks: %s", aws.ToString(out.Failures[0].Reason))
	}
	a.markSeen(out.Tasks)
	return nil
}

// markSeen notes the tasks the agent just started as seen running now.
func (a *ECSAgent) markSeen(tasks []ecstypes.Task) {
	now := time.Now()
	for _, t := range tasks {
		a.seen[aws.ToString(t.TaskArn)] = now
	}
}

// stopTask takes t out of its target groups, then stops it for reason.
func (a *ECSAgent) stopTask(ctx context.Context, t ecstypes.Task, reason string) error {
	arn := aws.ToString(t.TaskArn)
	a.deregister(ctx, arn)
	delete(a.seen, arn)
	if _, err := a.clients.ECS.StopTask(ctx, &ecs.StopTaskInput{
		Cluster: aws.String(a.cluster), Task: aws.String(arn), Reason: aws.String(reason),
	}); err != nil {
		return fmt.Errorf("stopping task %q: %w", arn, err)
	}
	return nil
}

// register puts the running task t in each of svc's target groups, once.
func (a *ECSAgent) register(ctx context.Context, svc ecstypes.Service, t ecstypes.Task) error {
	arn := aws.ToString(t.TaskArn)
	if _, ok := a.registered[arn]; ok {
		return nil
	}
	var targets []target
	for _, lb := range svc.LoadBalancers {
		if lb.TargetGroupArn == nil || lb.ContainerPort == nil {
			continue
		}
		id, port := taskIP(t), *lb.ContainerPort
		if id == "" {
			var err error
			if id, port, err = a.bridgeTarget(ctx, svc, t); err != nil {
				return err
			}
		}
		targets = append(targets, target{group: *lb.TargetGroupArn, id: id, port: port})
	}
	for i, tg := range targets {
		if _, err := a.clients.ELB.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{
			TargetGroupArn: aws.String(tg.group),
			Targets:        []elbtypes.TargetDescription{{Id: aws.String(tg.id), Port: aws.Int32(tg.port)}},
		}); err != nil {
			a.registered[arn] = targets[:i]
			a.deregister(ctx, arn)
			return fmt.Errorf("registering task %q in %q: %w", arn, tg.group, err)
		}
	}
	a.registered[arn] = targets
	return nil
}

// deregister takes the task arn out of the target groups it was put in;
// a group deleted meanwhile is no error.
func (a *ECSAgent) deregister(ctx context.Context, arn string) {
	for _, tg := range a.registered[arn] {
		_, _ = a.clients.ELB.DeregisterTargets(ctx, &elbv2.DeregisterTargetsInput{
			TargetGroupArn: aws.String(tg.group),
			Targets:        []elbtypes.TargetDescription{{Id: aws.String(tg.id), Port: aws.Int32(tg.port)}},
		})
	}
	delete(a.registered, arn)
	delete(a.dynamic, arn)
}

// taskIP is the private IPv4 address of an awsvpc task's network interface.
func taskIP(t ecstypes.Task) string {
	for _, att := range t.Attachments {
		for _, d := range att.Details {
			if aws.ToString(d.Name) == "privateIPv4Address" {
				return aws.ToString(d.Value)
			}
		}
	}
	return ""
}

// holdTaskStatus makes moto keep a task's lastStatus until StopTask; by
// default every DescribeTasks naming a task moves it one step towards
// STOPPED (RUNNING, DEACTIVATING, STOPPING, DEPROVISIONING, STOPPED).
func holdTaskStatus(cfg aws.Config) error {
	if cfg.BaseEndpoint == nil {
		return errors.New("the AWS configuration names no endpoint: the agent runs against moto only")
	}
	body := []byte(`{"model_name":"ecs::task","transition":{"progression":"manual","times":1000000000}}`)
	resp, err := http.Post(*cfg.BaseEndpoint+"/moto-api/state-manager/set-transition", "application/json", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("setting moto's ecs::task transition: %w", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("setting moto's ecs::task transition: %s", resp.Status)
	}
	return nil
}
