package docker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/moby/moby/client"
	"golang.org/x/sync/errgroup"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/frontdoor"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/targets"
)

// serving lists the running replicas of other releases that the front door
// sends traffic to now.
func (d *Target) serving(ctx context.Context, req targets.Request) ([]targets.Replica, error) {
	addrs, err := d.FrontDoor.Upstreams(ctx, d.RouteID(req.Env, req.Image.Name))
	if errors.Is(err, frontdoor.ErrNoRoute) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	all, err := d.replicas(ctx, req.Env, req.Image.Name)
	if err != nil {
		return nil, err
	}
	var out []targets.Replica
	for _, r := range all {
		if r.Running && r.Digest != req.Release.Digest && slices.Contains(addrs, r.Upstream) {
			out = append(out, r)
		}
	}
	return out, nil
}

// rolling replaces the replicas in traffic (old) one at a time: each new
// replica must pass the health check before it joins the front door, and an
// old one leaves it. While at least MinHealthy replicas would stay in
// traffic, an old replica leaves first (and, unless the environment keeps
// its previous release warm, is stopped once its requests drained), so the
// rollout needs no spare capacity; otherwise the new one joins first. If any
// new replica fails, every old replica goes back into traffic and the new
// ones are removed.
func (d *Target) rolling(ctx context.Context, req targets.Request, old []targets.Replica) (ready []targets.Replica, err error) {
	st := &stepStartReplicas{d: d, req: req}
	route := frontdoor.Route{ID: d.RouteID(req.Env, req.Image.Name), Listen: req.Target.Listen}
	serving := slices.Clone(old)
	var stopped []targets.Replica
	var stops errgroup.Group
	defer func() {
		if err == nil {
			return
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), req.Target.HealthTimeout+time.Minute)
		defer cancel()
		_ = stops.Wait()
		if rerr := d.restore(rctx, req, route, old, stopped); rerr != nil {
			err = fmt.Errorf("%w; putting %s back into traffic failed too: %v", err, old[0].Version, rerr)
		}
		st.undo(rctx)
	}()

	n := req.Target.Replicas
	for i := range n {
		if len(serving) > 0 && len(st.ready)+len(serving)-1 >= req.Target.MinHealthy {
			out := serving[0]
			serving = serving[1:]
			if err := d.point(ctx, route, len(old), st.ready, serving); err != nil {
				return nil, err
			}
			d.step(progress.Switched, "took %s out of traffic", out.Name)
			if req.Keep != config.KeepWarm {
				d.drain(ctx, route.ID)
				stopped = append(stopped, out)
				stops.Go(func() error {
					return d.stop(context.WithoutCancel(ctx), out)
				})
			}
		}
		if err := st.start(ctx, i+1); err != nil {
			return nil, err
		}
		if err := d.waitHealthy(ctx, req, st.ready[i:]); err != nil {
			return nil, err
		}
		slots := len(old)
		switch {
		case i == n-1:
			serving, slots = nil, n
		case len(serving) > 0 && len(st.ready)+len(serving) > n:
			serving = serving[1:]
		}
		if err := d.point(ctx, route, slots, st.ready, serving); err != nil {
			return nil, err
		}
		d.step(progress.Switched, "%d of %d replicas in traffic run %s@%s", len(st.ready), len(st.ready)+len(serving), req.Image.Name, req.Release.Version)
	}
	if err := stops.Wait(); err != nil {
		d.say("warning: %v", err)
	}
	d.step(progress.Switched, "switched %s to %s@%s (%d replicas, rolling)", req.Target.Listen, req.Image.Name, req.Release.Version, len(st.ready))
	return st.ready, nil
}

// point sends the route's traffic to the given replicas, repeating them as
// needed to fill at least slots upstreams: while the front door keeps its
// number of upstreams, a switch rewrites the files they read and Caddy's
// config (and every connection it holds) stays untouched.
func (d *Target) point(ctx context.Context, route frontdoor.Route, slots int, groups ...[]targets.Replica) error {
	var upstreams []string
	for _, g := range groups {
		for _, r := range g {
			upstreams = append(upstreams, r.Upstream)
		}
	}
	for i := 0; len(upstreams) > 0 && len(upstreams) < slots; i++ {
		upstreams = append(upstreams, upstreams[i])
	}
	return d.FrontDoor.SetUpstreams(ctx, route, upstreams)
}

// restore puts the old release back into traffic after a failed rolling
// deployment: replicas taken out and stopped are started again and must be
// healthy before the front door sends traffic to all of old.
func (d *Target) restore(ctx context.Context, req targets.Request, route frontdoor.Route, old, stopped []targets.Replica) error {
	back := slices.Clone(old)
	oldReq := req
	oldReq.Release.Version = old[0].Version
	var restarted []targets.Replica
	for i, r := range back {
		if !slices.ContainsFunc(stopped, func(s targets.Replica) bool { return s.ID == r.ID }) {
			continue
		}
		if _, err := d.Engine.ContainerStart(ctx, r.ID, client.ContainerStartOptions{}); err != nil {
			return fmt.Errorf("restarting %s: %w", r.Name, err)
		}
		port, err := engine.PublishedPort(ctx, d.Engine, r.ID, req.Image.Port)
		if err != nil {
			return err
		}
		back[i].Upstream = fmt.Sprintf("127.0.0.1:%d", port)
		restarted = append(restarted, back[i])
		d.step(progress.Started, "restarted %s", r.Name)
	}
	if err := d.waitHealthy(ctx, oldReq, restarted); err != nil {
		return err
	}
	if err := d.point(ctx, route, len(back), back); err != nil {
		return err
	}
	d.step(progress.Switched, "switched %s back to %s@%s", req.Target.Listen, req.Image.Name, old[0].Version)
	// The new replicas may still be finishing requests.
	d.drainOf(ctx, route.ID, "the new replicas")
	return nil
}
