package docker

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/targets"
)

// replicas lists the replica containers of image in env, running or not.
func (d *Target) replicas(ctx context.Context, env, image string) ([]targets.Replica, error) {
	f := client.Filters{}
	f.Add("label", engine.LabelKind+"="+engine.KindReplica, engine.LabelProject+"="+d.Project,
		engine.LabelEnv+"="+env, engine.LabelImage+"="+image)
	list, err := d.Engine.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return nil, fmt.Errorf("listing replicas of %s in %q: %w", image, env, err)
	}
	var out []targets.Replica
	for _, c := range list.Items {
		r := targets.Replica{
			ID: c.ID, Version: c.Labels[engine.LabelVersion], Digest: c.Labels[engine.LabelDigest],
			Running: c.State == container.StateRunning, Operation: c.Labels[engine.LabelOperation],
		}
		if len(c.Names) > 0 {
			r.Name = strings.TrimPrefix(c.Names[0], "/")
		}
		for _, p := range c.Ports {
			if p.PublicPort != 0 && p.IP.IsLoopback() {
				r.Upstream = fmt.Sprintf("127.0.0.1:%d", p.PublicPort)
			}
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Replicas lists the replicas of image in env, for status and drift reports.
func (d *Target) Replicas(ctx context.Context, env, image string) ([]targets.Replica, error) {
	return d.replicas(ctx, env, image)
}

func (d *Target) stop(ctx context.Context, r targets.Replica) error {
	timeout := 10
	if _, err := d.Engine.ContainerStop(ctx, r.ID, client.ContainerStopOptions{Timeout: &timeout}); err != nil {
		return fmt.Errorf("stopping replica %s: %w", r.Name, err)
	}
	return nil
}
