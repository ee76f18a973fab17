package cli

import (
	"context"
	"errors"
	"slices"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/kubex"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/sweep"
)

// kubeSweeper sweeps the clusters bake.yaml's kubernetes targets name,
// each once, keeping what the ledger records as having succeeded.
func (o *sweepOptions) kubeSweeper(ctx context.Context) (finder, error) {
	f := o.f
	if o.allProjects {
		return nil, &usageError{"sweep: --kubernetes sweeps the project in bake.yaml only; leave out --all-projects"}
	}
	p, err := f.Project()
	if err != nil {
		return nil, err
	}
	var clusters []kubex.Cluster
	for _, env := range p.Environments {
		for _, tgt := range env.Targets {
			if tgt == nil || tgt.Kubernetes == nil {
				continue
			}
			c := kubex.Cluster{Kubeconfig: tgt.Kubernetes.Kubeconfig, Context: tgt.Kubernetes.Context}
			if !slices.Contains(clusters, c) {
				clusters = append(clusters, c)
			}
		}
	}
	if len(clusters) == 0 {
		return nil, &usageError{"sweep: --kubernetes: no environment in bake.yaml has a kubernetes target"}
	}
	sw := &sweep.KubernetesSweeper{}
	for _, c := range clusters {
		cl, err := f.Kubernetes(ctx, c)
		if err != nil {
			return nil, err
		}
		sw.Clusters = append(sw.Clusters, cl)
	}
	store, err := f.Store(ctx)
	var images []*config.Image
	switch {
	case errors.Is(err, ledger.ErrNoLedger):
	case err != nil:
		return nil, err
	default:
		images = p.Images
	}
	succeeded, err := succeededReleases(ctx, store, images)
	if err != nil {
		return nil, err
	}
	known, err := knownOperations(ctx, p, store, images)
	if err != nil {
		return nil, err
	}
	sw.Known = func(op string) bool { return known[op] }
	sw.Succeeded = func(image, env, version string) bool { return succeeded[[3]string{image, env, version}] }
	return sw, nil
}
