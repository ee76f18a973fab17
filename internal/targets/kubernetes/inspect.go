package kubernetes

import (
	"context"

	"github.com/bakehq/bake/internal/targets"
)

// Inspect reads what runs for req's image in req's environment: the pods
// of bake's Deployments as replicas (Running when Ready), and as upstreams
// the pods the Service selects, named as their replicas' Upstream, so that
// Live.ServesOnly says whether the Service sends traffic to ready pods of
// one release only. Upstreams is nil when there is no Service. Route
// names the Service, which is what sends the traffic, not a front door.
func (t *Target) Inspect(ctx context.Context, req targets.Request) (targets.Live, error) {
	cl, err := t.client(ctx, req.Target)
	if err != nil {
		return targets.Live{}, err
	}
	s, err := t.read(ctx, cl.Clientset, req)
	if err != nil {
		return targets.Live{}, cl.Wrap(err)
	}
	return s.live(), nil
}

func (s *snapshot) live() targets.Live {
	live := targets.Live{Replicas: s.replicas(), Route: "service " + s.serviceName}
	if s.service == nil {
		live.Route += " (which does not exist)"
		return live
	}
	live.Upstreams = []string{}
	for _, r := range live.Replicas {
		if r.Upstream != "" {
			live.Upstreams = append(live.Upstreams, r.Upstream)
		}
	}
	return live
}
