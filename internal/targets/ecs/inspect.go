package ecs

import (
	"context"
	"slices"

	"github.com/bakehq/bake/internal/targets"
)

// Inspect reads what runs for req's image in req's environment: the tasks
// of each of its services (Running when healthy in the service's target
// group), and as upstreams the tasks of the services whose target group
// gets requests from the listener, plus the ARN of any other target group
// that gets requests, which no replica has. Upstreams is nil when no
// target group gets requests.
func (t *Target) Inspect(ctx context.Context, req targets.Request) (targets.Live, error) {
	d, err := t.snapshot(ctx, req)
	if err != nil {
		return targets.Live{}, err
	}
	return d.live(), nil
}

func (d *Detail) live() targets.Live {
	live := targets.Live{Replicas: []targets.Replica{}, Route: "listener " + d.Listener}
	for _, s := range d.Services {
		live.Replicas = append(live.Replicas, s.tasks...)
	}
	for _, tg := range serving(d.Weights) {
		if live.Upstreams == nil {
			live.Upstreams = []string{}
		}
		i := slices.IndexFunc(d.Services, func(s Service) bool { return s.TargetGroup == tg })
		if i < 0 {
			live.Upstreams = append(live.Upstreams, tg)
			continue
		}
		for _, r := range d.Services[i].tasks {
			live.Upstreams = append(live.Upstreams, r.Upstream)
		}
	}
	return live
}
