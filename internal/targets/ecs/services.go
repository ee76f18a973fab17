package ecs

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/targets"
)

// Service is one release's ECS service, as bake reads it.
type Service struct {
	Name           string    `json:"name"`
	Version        string    `json:"version"`
	Digest         string    `json:"digest"`
	Desired        int       `json:"desired"`
	Running        int       `json:"running"` // RUNNING tasks in its group
	Healthy        int       `json:"healthy"` // of those, healthy in its target group
	TargetGroup    string    `json:"target_group"`
	Weight         int32     `json:"weight"` // in the listener's forward action; -1 when not in it
	TaskDefinition string    `json:"task_definition"`
	Created        time.Time `json:"created"`
	Status         string    `json:"status"` // ACTIVE, DRAINING

	tasks     []targets.Replica
	operation string // the bake run that created it
}

// kept is s as targets.Fates weighs it.
func (s *Service) kept() targets.Kept {
	return targets.Kept{Name: s.Name, Version: s.Version, Created: s.Created}
}

// Services lists the services of req's image in req's environment in the
// target's cluster, newest first, without their tasks.
func (t *Target) Services(ctx context.Context, req targets.Request) ([]Service, error) {
	cluster := req.Target.ECS.Cluster
	var arns []string
	pages := ecs.NewListServicesPaginator(t.ECS, &ecs.ListServicesInput{Cluster: aws.String(cluster)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing the services of cluster %q: %w", cluster, err)
		}
		arns = append(arns, page.ServiceArns...)
	}
	var out []Service
	for len(arns) > 0 {
		batch := arns[:min(10, len(arns))]
		arns = arns[len(batch):]
		got, err := t.describeServices(ctx, cluster, batch)
		if err != nil {
			return nil, err
		}
		for _, s := range got {
			tags := tagMap(s.Tags)
			if tags[engine.LabelProject] == t.Project && tags[engine.LabelEnv] == req.Env && tags[engine.LabelImage] == req.Image.Name {
				out = append(out, serviceOf(s))
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return targets.Newer(out[i].kept(), out[j].kept()) })
	return out, nil
}

// service returns the service named name, or nil if there is none (or it
// was deleted).
func (t *Target) service(ctx context.Context, cluster, name string) (*Service, error) {
	got, err := t.describeServices(ctx, cluster, []string{name})
	if err != nil {
		return nil, err
	}
	if len(got) == 0 {
		return nil, nil
	}
	s := serviceOf(got[0])
	return &s, nil
}

// describeServices reads services with their tags (always: moto shares
// one caller's include with the next), leaving out deleted ones.
func (t *Target) describeServices(ctx context.Context, cluster string, names []string) ([]ecstypes.Service, error) {
	out, err := t.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{
		Cluster: aws.String(cluster), Services: names, Include: []ecstypes.ServiceField{ecstypes.ServiceFieldTags},
	})
	if err != nil {
		return nil, fmt.Errorf("reading services of cluster %q: %w", cluster, err)
	}
	var live []ecstypes.Service
	for _, s := range out.Services {
		if aws.ToString(s.Status) != "INACTIVE" {
			live = append(live, s)
		}
	}
	return live, nil
}

func serviceOf(s ecstypes.Service) Service {
	tags := tagMap(s.Tags)
	out := Service{
		Name: aws.ToString(s.ServiceName), Version: tags[engine.LabelVersion], Digest: tags[engine.LabelDigest],
		Desired: int(s.DesiredCount), TaskDefinition: aws.ToString(s.TaskDefinition), Created: aws.ToTime(s.CreatedAt),
		Status: aws.ToString(s.Status), Weight: -1, operation: tags[engine.LabelOperation],
	}
	for _, lb := range s.LoadBalancers {
		if lb.TargetGroupArn != nil {
			out.TargetGroup = *lb.TargetGroupArn
			break
		}
	}
	return out
}

// createService makes req's release's service: desiredCount replicas of
// the revision taskDef behind target group tg, in the target's network.
func (t *Target) createService(ctx context.Context, req targets.Request, taskDef, tg string, net *ecstypes.NetworkConfiguration) error {
	e := req.Target.ECS
	in := &ecs.CreateServiceInput{
		Cluster:        aws.String(e.Cluster),
		ServiceName:    aws.String(serviceName(req)),
		TaskDefinition: aws.String(taskDef),
		DesiredCount:   aws.Int32(int32(req.Target.Replicas)),
		LaunchType:     ecstypes.LaunchType(e.LaunchType),
		LoadBalancers: []ecstypes.LoadBalancer{{
			TargetGroupArn: aws.String(tg), ContainerName: aws.String(containerName(req)), ContainerPort: aws.Int32(port(req)),
		}},
		NetworkConfiguration: net,
		// Its tasks are found, and swept, by the same tags.
		PropagateTags: ecstypes.PropagateTagsService,
		Tags:          ecsTags(t.labels(req)),
	}
	if timeout := req.Target.HealthTimeout; timeout > 0 {
		in.HealthCheckGracePeriodSeconds = aws.Int32(int32(timeout.Seconds()))
	}
	if _, err := t.ECS.CreateService(ctx, in); err != nil {
		return fmt.Errorf("creating ECS service %q in cluster %q: %w", serviceName(req), e.Cluster, err)
	}
	return nil
}

// scale sets a service's desired count.
func (t *Target) scale(ctx context.Context, cluster, name string, desired int) error {
	_, err := t.ECS.UpdateService(ctx, &ecs.UpdateServiceInput{
		Cluster: aws.String(cluster), Service: aws.String(name), DesiredCount: aws.Int32(int32(desired)),
	})
	if err != nil {
		return fmt.Errorf("scaling ECS service %q to %d: %w", name, desired, err)
	}
	return nil
}

// deleteService deletes a service and stops its tasks; one already gone is
// not an error.
func (t *Target) deleteService(ctx context.Context, cluster, name string) error {
	_, err := t.ECS.DeleteService(ctx, &ecs.DeleteServiceInput{
		Cluster: aws.String(cluster), Service: aws.String(name), Force: aws.Bool(true),
	})
	if err != nil && !isCode(err, "ServiceNotFoundException", "ServiceNotActiveException") {
		return fmt.Errorf("deleting ECS service %q: %w", name, err)
	}
	return nil
}
