package mototest

// The EC2 launch type with bridge networking. moto's RunTask places EC2
// tasks by its own rules (a host port 0 counts as a port in use, so one
// dynamic-port task fits on an instance) and gives them no network
// bindings, so the agent places them itself, as ECS's spread placement
// would: one StartTask per task, on the container instance that runs the
// fewest tasks of the service, then the fewest tasks at all, among those
// whose fixed host port is free. It registers each task in the service's
// target groups as its EC2 instance id and host port: the task
// definition's, or one the agent hands out from 32768 up when the
// definition asks for a dynamic one (hostPort 0). moto keeps one target per
// instance id in a target group, so a test gives a service's tasks an
// instance each (as many container instances as replicas).

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// firstDynamicPort is the first host port the agent hands out for a
// dynamic port mapping (ECS's ephemeral range starts there).
const firstDynamicPort = 32768

// containerInstance is one ACTIVE container instance of the cluster.
type containerInstance struct {
	arn, ec2ID string
	running    int32
	ports      map[string]bool // reserved host ports
}

// containerInstances reads the cluster's ACTIVE container instances,
// ordered by ARN, and remembers their EC2 instance ids.
func (a *ECSAgent) containerInstances(ctx context.Context) ([]containerInstance, error) {
	list, err := a.clients.ECS.ListContainerInstances(ctx, &ecs.ListContainerInstancesInput{Cluster: aws.String(a.cluster)})
	if err != nil {
		return nil, fmt.Errorf("listing container instances: %w", err)
	}
	if len(list.ContainerInstanceArns) == 0 {
		return nil, nil
	}
	out, err := a.clients.ECS.DescribeContainerInstances(ctx, &ecs.DescribeContainerInstancesInput{
		Cluster: aws.String(a.cluster), ContainerInstances: list.ContainerInstanceArns})
	if err != nil {
		return nil, fmt.Errorf("describing container instances: %w", err)
	}
	var cis []containerInstance
	for _, ci := range out.ContainerInstances {
		arn := aws.ToString(ci.ContainerInstanceArn)
		a.instances[arn] = aws.ToString(ci.Ec2InstanceId)
		if aws.ToString(ci.Status) != "ACTIVE" {
			continue
		}
		c := containerInstance{arn: arn, ec2ID: aws.ToString(ci.Ec2InstanceId), running: ci.RunningTasksCount, ports: map[string]bool{}}
		for _, r := range ci.RemainingResources {
			if aws.ToString(r.Name) == "PORTS" {
				for _, p := range r.StringSetValue {
					c.ports[p] = true
				}
			}
		}
		cis = append(cis, c)
	}
	sort.Slice(cis, func(i, j int) bool { return cis[i].arn < cis[j].arn })
	return cis, nil
}

// placeTasks starts n tasks of svc, which has the EC2 launch type, each on
// the container instance spread placement would pick; tasks are svc's
// running ones.
func (a *ECSAgent) placeTasks(ctx context.Context, svc ecstypes.Service, tasks []ecstypes.Task, n int) error {
	cis, err := a.containerInstances(ctx)
	if err != nil {
		return err
	}
	if len(cis) == 0 {
		return errors.New("no container instance in the cluster: the EC2 launch type needs one")
	}
	hostPort, err := a.hostPort(ctx, svc)
	if err != nil {
		return err
	}
	mine := map[string]int{}
	for _, t := range tasks {
		mine[aws.ToString(t.ContainerInstanceArn)]++
	}
	for range n {
		pick := -1
		for i, ci := range cis {
			if hostPort > 0 && ci.ports[strconv.Itoa(int(hostPort))] {
				continue
			}
			if pick < 0 || mine[ci.arn] < mine[cis[pick].arn] ||
				(mine[ci.arn] == mine[cis[pick].arn] && ci.running < cis[pick].running) {
				pick = i
			}
		}
		if pick < 0 {
			return fmt.Errorf("no container instance has host port %d free", hostPort)
		}
		in := &ecs.StartTaskInput{
			Cluster:            aws.String(a.cluster),
			TaskDefinition:     svc.TaskDefinition,
			ContainerInstances: []string{cis[pick].arn},
			Group:              aws.String("service:" + aws.ToString(svc.ServiceName)),
			StartedBy:          aws.String(deploymentID(svc)),
		}
		if svc.PropagateTags == ecstypes.PropagateTagsService {
			in.Tags = svc.Tags
		}
		out, err := a.clients.ECS.StartTask(ctx, in)
		if err != nil {
			return fmt.Errorf("starting a task on %s: %w", cis[pick].ec2ID, err)
		}
		if len(out.Failures) > 0 {
			return fmt.Errorf("starting a task on %s: %s", cis[pick].ec2ID, aws.ToString(out.Failures[0].Reason))
		}
		mine[cis[pick].arn]++
		cis[pick].running++
		if hostPort > 0 {
			cis[pick].ports[strconv.Itoa(int(hostPort))] = true
		}
		a.markSeen(out.Tasks)
	}
	return nil
}

// hostPort is the host port of the port mapping of svc's task definition
// for its load balancer's container port: 0 when it is dynamic.
func (a *ECSAgent) hostPort(ctx context.Context, svc ecstypes.Service) (int32, error) {
	arn := aws.ToString(svc.TaskDefinition)
	if p, ok := a.hostPorts[arn]; ok {
		return p, nil
	}
	out, err := a.clients.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(arn)})
	if err != nil {
		return 0, fmt.Errorf("describing task definition %s: %w", arn, err)
	}
	var want int32
	for _, lb := range svc.LoadBalancers {
		if lb.ContainerPort != nil {
			want = *lb.ContainerPort
		}
	}
	var port int32
	for _, c := range out.TaskDefinition.ContainerDefinitions {
		for _, pm := range c.PortMappings {
			if aws.ToInt32(pm.ContainerPort) == want {
				port = aws.ToInt32(pm.HostPort)
			}
		}
	}
	a.hostPorts[arn] = port
	return port, nil
}

// bridgeTarget is where a target group reaches the bridge task t: its
// EC2 instance id and host port (fixed, or the one the agent gave it).
func (a *ECSAgent) bridgeTarget(ctx context.Context, svc ecstypes.Service, t ecstypes.Task) (string, int32, error) {
	arn := aws.ToString(t.TaskArn)
	ci := aws.ToString(t.ContainerInstanceArn)
	if ci == "" {
		return "", 0, fmt.Errorf("task %q has neither a private IPv4 address nor a container instance", arn)
	}
	if a.instances[ci] == "" {
		if _, err := a.containerInstances(ctx); err != nil {
			return "", 0, err
		}
	}
	id := a.instances[ci]
	if id == "" {
		return "", 0, fmt.Errorf("task %q runs on %s, which is not a container instance of the cluster", arn, ci)
	}
	port, err := a.hostPort(ctx, svc)
	if err != nil {
		return "", 0, err
	}
	if port == 0 {
		if port = a.dynamic[arn]; port == 0 {
			a.nextPort++
			port = firstDynamicPort + a.nextPort - 1
			a.dynamic[arn] = port
		}
	}
	return id, port, nil
}
