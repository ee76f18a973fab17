package sweep

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/engine"
)

// ECS resources sweep --aws removes, after the others and in this order:
// a service holds its target group and its task definition revision.
const (
	ECSService     Resource = "ecs-service"
	TargetGroup    Resource = "target-group"
	TaskDefinition Resource = "task-definition"
)

// ECSPlace is where an ecs target of bake.yaml deploys, in the clients'
// region: sweep looks there for what killed deployments left.
type ECSPlace struct {
	Cluster  string // name or ARN
	Family   string // the task definition family of its releases
	Listener string // listener or listener rule ARN whose forward action it changes
}

// ecsRelease is what a resource's tags say it was made for.
type ecsRelease struct{ image, env, version string }

func releaseOf(tags map[string]string) ecsRelease {
	return ecsRelease{tags[engine.LabelImage], tags[engine.LabelEnv], tags[engine.LabelVersion]}
}

// findECS lists the services, target groups and task definition revisions
// of the ECS places that bake tagged and that no recorded deployment runs
// or keeps: their release never succeeded in their environment (a
// succeeded one's are warm or stopped for rollback, or retention removes
// them), no listener sends their target group requests (a run killed
// after its switch serves; `bake recover` deals with it), and no service
// that stays uses them. add is findIn's; it reports whether the leftover
// will be removed.
func (s *AWSSweeper) findECS(ctx context.Context, c *awsx.Clients, add func(Resource, string, string, map[string]string, time.Time) bool) error {
	succeeded := func(tags map[string]string) bool {
		r := releaseOf(tags)
		return s.Succeeded != nil && s.Succeeded(r.image, r.env, r.version)
	}
	groups, err := bakeTargetGroups(ctx, c)
	if err != nil {
		return err
	}
	weights, err := s.forwardWeights(ctx, c, groups)
	if err != nil {
		return err
	}
	// What a service that stays uses stays too.
	usedTG, usedTD := map[string]bool{}, map[string]bool{}
	if s.ecsClusters == nil {
		s.ecsClusters = map[string]string{}
	}
	for _, cluster := range s.clusters() {
		services, err := listServices(ctx, c, cluster)
		if err != nil {
			return err
		}
		for _, svc := range services {
			tags := ecsTagMap(svc.Tags)
			tg := serviceTargetGroup(svc)
			swept := false
			if tags[engine.LabelOperation] != "" && !succeeded(tags) && weights[tg] == 0 {
				arn := aws.ToString(svc.ServiceArn)
				s.ecsClusters[arn] = cluster
				delete(tags, engine.LabelKind) // a replica's, but nothing runs or keeps it
				swept = add(ECSService, arn, aws.ToString(svc.ServiceName), tags, aws.ToTime(svc.CreatedAt))
			}
			if !swept {
				usedTG[tg] = true
				usedTD[aws.ToString(svc.TaskDefinition)] = true
			}
		}
	}
	for _, g := range groups {
		arn := aws.ToString(g.group.TargetGroupArn)
		if usedTG[arn] || weights[arn] > 0 || succeeded(g.tags) {
			continue
		}
		delete(g.tags, engine.LabelKind)
		add(TargetGroup, arn, aws.ToString(g.group.TargetGroupName), g.tags, time.Time{})
	}
	for _, family := range s.families() {
		revs, err := bakeRevisions(ctx, c, family)
		if err != nil {
			return err
		}
		for _, r := range revs {
			arn := aws.ToString(r.def.TaskDefinitionArn)
			if usedTD[arn] || succeeded(r.tags) {
				continue
			}
			delete(r.tags, engine.LabelKind)
			name := fmt.Sprintf("%s:%d", aws.ToString(r.def.Family), r.def.Revision)
			add(TaskDefinition, arn, name, r.tags, aws.ToTime(r.def.RegisteredAt))
		}
	}
	return nil
}

func (s *AWSSweeper) clusters() []string {
	var out []string
	for _, p := range s.ECS {
		if !slices.Contains(out, p.Cluster) {
			out = append(out, p.Cluster)
		}
	}
	return out
}

func (s *AWSSweeper) families() []string {
	var out []string
	for _, p := range s.ECS {
		if !slices.Contains(out, p.Family) {
			out = append(out, p.Family)
		}
	}
	return out
}

func ecsTagMap(tags []ecstypes.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func serviceTargetGroup(svc ecstypes.Service) string {
	for _, lb := range svc.LoadBalancers {
		if lb.TargetGroupArn != nil {
			return *lb.TargetGroupArn
		}
	}
	return ""
}

// listServices reads the live services of a cluster with their tags
// (always asked for: moto answers one caller's include to the next).
func listServices(ctx context.Context, c *awsx.Clients, cluster string) ([]ecstypes.Service, error) {
	var arns []string
	pages := ecs.NewListServicesPaginator(c.ECS, &ecs.ListServicesInput{Cluster: aws.String(cluster)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing the services of ECS cluster %q: %w", cluster, err)
		}
		arns = append(arns, page.ServiceArns...)
	}
	var out []ecstypes.Service
	for batch := range slices.Chunk(arns, 10) {
		got, err := c.ECS.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: batch,
			Include: []ecstypes.ServiceField{ecstypes.ServiceFieldTags}})
		if err != nil {
			return nil, fmt.Errorf("reading the services of ECS cluster %q: %w", cluster, err)
		}
		for _, svc := range got.Services {
			if aws.ToString(svc.Status) == "ACTIVE" {
				out = append(out, svc)
			}
		}
	}
	return out, nil
}

// taggedGroup is a target group bake tagged, with its tags.
type taggedGroup struct {
	group elbtypes.TargetGroup
	tags  map[string]string
}

// bakeTargetGroups lists the region's target groups that carry bake's
// operation tag.
func bakeTargetGroups(ctx context.Context, c *awsx.Clients) ([]taggedGroup, error) {
	var all []elbtypes.TargetGroup
	pages := elbv2.NewDescribeTargetGroupsPaginator(c.ELB, &elbv2.DescribeTargetGroupsInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing target groups: %w", err)
		}
		all = append(all, page.TargetGroups...)
	}
	byARN := make(map[string]elbtypes.TargetGroup, len(all))
	arns := make([]string, 0, len(all))
	for _, g := range all {
		byARN[aws.ToString(g.TargetGroupArn)] = g
		arns = append(arns, aws.ToString(g.TargetGroupArn))
	}
	var out []taggedGroup
	for batch := range slices.Chunk(arns, 20) {
		got, err := c.ELB.DescribeTags(ctx, &elbv2.DescribeTagsInput{ResourceArns: batch})
		if err != nil {
			return nil, fmt.Errorf("reading the tags of target groups: %w", err)
		}
		for _, d := range got.TagDescriptions {
			tags := make(map[string]string, len(d.Tags))
			for _, t := range d.Tags {
				tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			if tags[engine.LabelOperation] != "" {
				out = append(out, taggedGroup{group: byARN[aws.ToString(d.ResourceArn)], tags: tags})
			}
		}
	}
	return out, nil
}

// taggedRevision is a task definition revision bake tagged, with its tags.
type taggedRevision struct {
	def  *ecstypes.TaskDefinition
	tags map[string]string
}

// bakeRevisions lists the active revisions of family that carry bake's
// operation tag.
func bakeRevisions(ctx context.Context, c *awsx.Clients, family string) ([]taggedRevision, error) {
	var out []taggedRevision
	pages := ecs.NewListTaskDefinitionsPaginator(c.ECS, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String(family),
		Status: ecstypes.TaskDefinitionStatusActive})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing the task definitions of family %q: %w", family, err)
		}
		for _, arn := range page.TaskDefinitionArns {
			got, err := c.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(arn),
				Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags}})
			if err != nil {
				return nil, fmt.Errorf("reading task definition %s: %w", arn, err)
			}
			// A prefix selects other families too.
			if got.TaskDefinition == nil || aws.ToString(got.TaskDefinition.Family) != family {
				continue
			}
			if tags := ecsTagMap(got.Tags); tags[engine.LabelOperation] != "" {
				out = append(out, taggedRevision{def: got.TaskDefinition, tags: tags})
			}
		}
	}
	return out, nil
}

// listenerOf is the listener of a listener or listener rule ARN.
func listenerOf(arn string) string {
	if !strings.Contains(arn, ":listener-rule/") {
		return arn
	}
	arn = strings.Replace(arn, ":listener-rule/", ":listener/", 1)
	return arn[:strings.LastIndex(arn, "/")]
}
