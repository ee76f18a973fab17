package cli

import (
	"context"
	"maps"
	"slices"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/sweep"
)

// ecsPlaces are where p's ecs targets deploy.
func ecsPlaces(p *config.Project) []sweep.ECSPlace {
	var out []sweep.ECSPlace
	for _, env := range p.Environments {
		for _, name := range slices.Sorted(maps.Keys(env.Targets)) {
			tgt := env.Targets[name]
			if tgt == nil || tgt.ECS == nil {
				continue
			}
			out = append(out, sweep.ECSPlace{Cluster: tgt.ECS.Cluster, Family: tgt.ECS.Family(p.Name, env.Name), Listener: tgt.ECS.Listener})
		}
	}
	return out
}

// succeededReleases are the image, environment and version of every
// deployment the ledger records as succeeded.
func succeededReleases(ctx context.Context, store ledger.Store, images []*config.Image) (map[[3]string]bool, error) {
	out := map[[3]string]bool{}
	for _, img := range images {
		deps, err := store.Deployments(ctx, img.Name, "")
		if err != nil {
			return nil, err
		}
		for _, d := range deps {
			if d.Outcome == ledger.OutcomeSucceeded {
				out[[3]string{d.Image, d.Env, d.Version}] = true
			}
		}
	}
	return out, nil
}
