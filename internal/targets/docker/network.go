package docker

import (
	"context"
	"fmt"

	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/engine"
)

// network names the bridge the replicas of env run on: one per
// environment, so a replica reaches the other replicas of its environment
// and no other environment's.
func (d *Target) network(env string) string {
	return fmt.Sprintf("bake-%s-%s", d.Project, env)
}

// ensureNetwork creates env's network on its first deployment. It is
// labelled as a replica's, so `bake sweep` leaves it to the environment.
func (d *Target) ensureNetwork(ctx context.Context, env string) (string, error) {
	return engine.EnsureNetwork(ctx, d.Engine, d.network(env), engine.Labels(d.Operation, engine.KindReplica, map[string]string{
		engine.LabelProject: d.Project, engine.LabelEnv: env,
	}))
}

// pruneNetwork removes env's network once the environment has no replica
// left, running or stopped: a stopped one needs it to start again.
func (d *Target) pruneNetwork(ctx context.Context, env string) {
	f := client.Filters{}.Add("label", engine.LabelKind+"="+engine.KindReplica, engine.LabelProject+"="+d.Project, engine.LabelEnv+"="+env)
	list, err := d.Engine.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil || len(list.Items) > 0 {
		return
	}
	if err := engine.RemoveNetwork(ctx, d.Engine, d.network(env)); err != nil {
		d.say("warning: %v; run `docker network rm %s`", err, d.network(env))
	}
}
