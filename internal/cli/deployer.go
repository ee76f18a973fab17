package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/targets"
	"github.com/bakehq/bake/internal/targets/asg"
	"github.com/bakehq/bake/internal/targets/docker"
)

// promoter builds the promotion engine on a router with a target
// for each target type the project's environments use: a project with only
// asg targets never needs the Docker engine, and one with only docker
// targets never needs AWS.
func (f *Factory) promoter(ctx context.Context, p *config.Project) (*promote.Engine, error) {
	store, err := f.Store(ctx)
	if err != nil {
		return nil, err
	}
	router := targets.Router{}
	for _, typ := range targetTypes(p) {
		switch typ {
		case config.TargetASG:
			t, err := f.asgTarget(ctx, p)
			if err != nil {
				return nil, err
			}
			router[typ] = t
		default:
			eng, err := f.Engine(ctx)
			if err != nil {
				return nil, err
			}
			fd, err := f.FrontDoor(ctx)
			if err != nil {
				return nil, err
			}
			router[typ] = &docker.Docker{Engine: eng, FrontDoor: fd, Project: p.Name, Operation: f.Operation, Progress: f.Progress()}
		}
	}
	plan := func(ctx context.Context, req targets.Request, current string) (targets.Plan, error) {
		return f.targetPlan(ctx, p, req, current)
	}
	return &promote.Engine{Project: p, Store: store, Target: router, Planner: plan, User: f.User(), Operation: f.Operation,
		Progress: f.Progress(), Recorded: f.notifyDeployment}, nil
}

// asgTarget is the Auto Scaling group target in the project's AWS region.
func (f *Factory) asgTarget(ctx context.Context, p *config.Project) (*asg.Target, error) {
	c, err := f.AWS(ctx)
	if err != nil {
		return nil, fmt.Errorf("asg targets: %w", err)
	}
	return asg.New(c, p.Name, f.Operation, f.Progress()), nil
}

// targetTypes lists the target types of the project's environments, docker first.
func targetTypes(p *config.Project) []string {
	var docker, asgs bool
	for _, e := range p.Environments {
		for _, t := range e.Targets {
			if t.Type == config.TargetASG {
				asgs = true
			} else {
				docker = true
			}
		}
	}
	var out []string
	if docker {
		out = append(out, config.TargetDocker)
	}
	if asgs {
		out = append(out, config.TargetASG)
	}
	return out
}

// servesAt says where a target serves, for the line after a deployment.
func servesAt(t *config.Target) string {
	if t.Type == config.TargetASG {
		names := make([]string, len(t.ASG.TargetGroups))
		for i, arn := range t.ASG.TargetGroups {
			names[i] = targetGroupName(arn)
		}
		return "serving in target group(s) " + strings.Join(names, ", ")
	}
	return "serving on http://" + t.Listen
}
