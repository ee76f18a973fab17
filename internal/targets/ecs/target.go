package ecs

import (
	"cmp"
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/targets"
	"github.com/bakehq/bake/internal/targets/ssmpointer"
)

func init() {
	targets.Register(config.TargetECS, func(ctx context.Context, d targets.Deps) (targets.Target, error) {
		c, err := d.AWS(ctx)
		if err != nil {
			return nil, fmt.Errorf("ecs targets: %w", err)
		}
		return New(c, d.Project, d.Operation, d.Progress), nil
	})
}

var (
	_ targets.Target    = (*Target)(nil)
	_ targets.Checker   = (*Target)(nil)
	_ targets.Pointer   = (*Target)(nil)
	_ targets.Recoverer = (*Target)(nil)
)

// Serves says where tgt serves: its listener's forward action, in its cluster.
func (t *Target) Serves(tgt *config.Target) string {
	if tgt.ECS == nil {
		return "on ECS"
	}
	return fmt.Sprintf("behind listener %s, in ECS cluster %s", tgt.ECS.Listener, tgt.ECS.Cluster)
}

// Check refuses, before anything changes, a request the target cannot
// run: a cluster that does not exist or is not active, a listener (or
// rule) without a forward action, or a template target group that does not
// exist. Three reads.
func (t *Target) Check(ctx context.Context, req targets.Request) error {
	if req.Target == nil || req.Target.ECS == nil {
		return fmt.Errorf("%s in %q has no ecs target settings", req.Image.Name, req.Env)
	}
	e := req.Target.ECS
	out, err := t.ECS.DescribeClusters(ctx, &ecs.DescribeClustersInput{Clusters: []string{e.Cluster}})
	if err != nil {
		return fmt.Errorf("reading ECS cluster %q: %w", e.Cluster, err)
	}
	if len(out.Clusters) == 0 || aws.ToString(out.Clusters[0].Status) != "ACTIVE" {
		return fmt.Errorf("ECS cluster %q does not exist in the project's region: create it, or correct the target's cluster", e.Cluster)
	}
	if _, err := t.forward(ctx, e.Listener); err != nil {
		return err
	}
	_, err = t.template(ctx, e)
	return err
}

// Point writes the environment's SSM parameter after dep was recorded:
// the release's version, digest and image reference (ssmpointer.Pointer).
func (t *Target) Point(ctx context.Context, req targets.Request, dep ledger.Deployment) error {
	name, err := ssmpointer.Write(ctx, t.SSM, t.Project, req.Image.Name, req.Env, ssmpointer.Pointer{
		Version: dep.Version, Digest: dep.Digest, Image: cmp.Or(dep.Reference, req.Release.Reference), DeployedAt: dep.FinishedAt,
	})
	if err != nil {
		return err
	}
	t.say("wrote %s: %s@%s", name, req.Image.Name, dep.Version)
	return nil
}
