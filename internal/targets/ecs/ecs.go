// Package ecs runs container releases as ECS services, blue/green with one
// service per release: each release gets its own task definition revision
// (the image by digest), its own copy of the environment's template target
// group and its own service "<service>-v<version>". The new service's tasks
// must all run and be healthy in its target group, which the listener's
// forward action holds at weight 0 meanwhile, before one change of that
// action sends it every request; the old service is then kept warm (at
// weight 0), scaled to zero out of the listener, or deleted, as the
// environment's retention says, so a rollback to a kept release changes
// the listener and starts nothing new.
package ecs

import (
	"context"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/targets/ssmpointer"
)

// Defaults of the target's pacing.
const (
	// DefaultPoll is how often tasks and target health are read while
	// waiting; target groups check every 5-30 seconds themselves.
	DefaultPoll = 5 * time.Second
	// cleanupTimeout bounds the removal of what a failed deployment created.
	cleanupTimeout = 2 * time.Minute
)

// ECSAPI is what the target asks of ECS; *ecs.Client has it.
type ECSAPI interface {
	ecs.ListServicesAPIClient
	ecs.ListTasksAPIClient
	ecs.DescribeServicesAPIClient
	ecs.DescribeTasksAPIClient
	DescribeClusters(context.Context, *ecs.DescribeClustersInput, ...func(*ecs.Options)) (*ecs.DescribeClustersOutput, error)
	DescribeContainerInstances(context.Context, *ecs.DescribeContainerInstancesInput, ...func(*ecs.Options)) (*ecs.DescribeContainerInstancesOutput, error)
	RegisterTaskDefinition(context.Context, *ecs.RegisterTaskDefinitionInput, ...func(*ecs.Options)) (*ecs.RegisterTaskDefinitionOutput, error)
	DeregisterTaskDefinition(context.Context, *ecs.DeregisterTaskDefinitionInput, ...func(*ecs.Options)) (*ecs.DeregisterTaskDefinitionOutput, error)
	DeleteTaskDefinitions(context.Context, *ecs.DeleteTaskDefinitionsInput, ...func(*ecs.Options)) (*ecs.DeleteTaskDefinitionsOutput, error)
	CreateService(context.Context, *ecs.CreateServiceInput, ...func(*ecs.Options)) (*ecs.CreateServiceOutput, error)
	UpdateService(context.Context, *ecs.UpdateServiceInput, ...func(*ecs.Options)) (*ecs.UpdateServiceOutput, error)
	DeleteService(context.Context, *ecs.DeleteServiceInput, ...func(*ecs.Options)) (*ecs.DeleteServiceOutput, error)
}

// ELBAPI is what the target asks of Elastic Load Balancing; *elbv2.Client has it.
type ELBAPI interface {
	elbv2.DescribeTargetHealthAPIClient
	elbv2.DescribeTargetGroupsAPIClient
	elbv2.DescribeListenersAPIClient
	elbv2.DescribeRulesAPIClient
	CreateTargetGroup(context.Context, *elbv2.CreateTargetGroupInput, ...func(*elbv2.Options)) (*elbv2.CreateTargetGroupOutput, error)
	DeleteTargetGroup(context.Context, *elbv2.DeleteTargetGroupInput, ...func(*elbv2.Options)) (*elbv2.DeleteTargetGroupOutput, error)
	ModifyListener(context.Context, *elbv2.ModifyListenerInput, ...func(*elbv2.Options)) (*elbv2.ModifyListenerOutput, error)
	ModifyRule(context.Context, *elbv2.ModifyRuleInput, ...func(*elbv2.Options)) (*elbv2.ModifyRuleOutput, error)
}

// EC2API is what the target asks of EC2 (the default subnets and security
// group of the target group's VPC); *ec2.Client has it.
type EC2API interface {
	ec2.DescribeSubnetsAPIClient
	ec2.DescribeSecurityGroupsAPIClient
}

// Target runs releases as ECS services in one region.
type Target struct {
	ECS       ECSAPI
	ELB       ELBAPI
	EC2       EC2API
	SSM       ssmpointer.API
	Project   string
	Operation string
	Progress  io.Writer // one line per step; may be nil
	// Poll defaults to DefaultPoll.
	Poll time.Duration
}

// New returns the target on the clients of one region.
func New(c *awsx.Clients, project, operation string, progress io.Writer) *Target {
	return &Target{ECS: c.ECS, ELB: c.ELB, EC2: c.EC2, SSM: c.SSM, Project: project, Operation: operation, Progress: progress}
}

func (t *Target) poll() time.Duration {
	if t.Poll > 0 {
		return t.Poll
	}
	return DefaultPoll
}

func (t *Target) say(format string, args ...any) { progress.Say(t.Progress, format, args...) }

// step writes a line that reports a step of the deployment, marked for the
// live view and the JSON events.
func (t *Target) step(k progress.Kind, format string, args ...any) {
	progress.Stepf(t.Progress, k, format, args...)
}

func (t *Target) mark(s progress.Step, format string, args ...any) {
	progress.Mark(t.Progress, s, format, args...)
}

// cleanupContext is a fresh context for undoing a deployment, so Ctrl-C
// does not stop the cleanup it triggers.
func cleanupContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), cleanupTimeout)
}
