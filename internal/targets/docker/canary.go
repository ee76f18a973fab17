package docker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/frontdoor"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/steps"
	"github.com/bakehq/bake/internal/targets"
)

// StartCanary brings up req's replicas beside the ones serving, as
// blue-green does before its switch, and sends them no traffic: replicas of
// req's digest that already run (a held canary resumed in a new process)
// are used as they are, stopped ones are started again, the rest created.
// If any fails its health check, or the run is interrupted, the start
// step's cleanup removes what this call created and stops what it started
// again; the front door is never touched.
func (d *Target) StartCanary(ctx context.Context, req targets.Request) ([]targets.Replica, error) {
	ctx, stop := engine.WhileAnswering(ctx, d.Engine)
	defer stop()
	start := &stepStartReplicas{d: d, req: req, running: "already running as the canary"}
	err := steps.Run(ctx,
		start,
		steps.Func(func(ctx context.Context) error { return d.waitHealthy(ctx, req, start.ready) }),
	)
	if lost := engine.Lost(ctx, d.Engine, err); lost != nil {
		return nil, lost
	}
	if err != nil {
		return nil, err
	}
	return start.ready, nil
}

// Abort sends every request of req's route back to the baseline (the
// stable side of the split) in one change, lets the requests the canary
// was answering finish, and removes the canary's replicas: those on the
// canary side of the front door and every running replica of req's
// release outside the stable side. Stopped replicas of req's release are
// left: they may be kept for a rollback. With no canary left, it does
// nothing, so it is safe to repeat.
func (d *Target) Abort(ctx context.Context, req targets.Request) error {
	route := frontdoor.Route{ID: d.RouteID(req.Env, req.Image.Name), Listen: req.Target.Listen}
	all, err := d.replicas(ctx, req.Env, req.Image.Name)
	if err != nil {
		return err
	}
	sp, err := d.split(ctx, route.ID, req.Release.Digest, all)
	if err != nil {
		return fmt.Errorf("aborting the canary of %s@%s in %q: %w", req.Image.Name, req.Release.Version, req.Env, err)
	}
	if len(sp.Canary) > 0 {
		if len(sp.Stable) == 0 {
			return fmt.Errorf("aborting the canary of %s@%s in %q: only it serves on %s, there is no release to send the traffic back to",
				req.Image.Name, req.Release.Version, req.Env, req.Target.Listen)
		}
		if err := d.FrontDoor.SetUpstreams(ctx, route, sp.Stable); err != nil {
			return fmt.Errorf("aborting the canary of %s@%s in %q: %w", req.Image.Name, req.Release.Version, req.Env, err)
		}
		d.step(progress.Switched, "sent all traffic on %s back to %s", req.Target.Listen, describe(all, sp.Stable))
		d.drain(ctx, route.ID)
	}
	var canary []targets.Replica
	for _, r := range all {
		if r.Upstream != "" && slices.Contains(sp.Stable, r.Upstream) {
			continue
		}
		inCanary := r.Upstream != "" && slices.Contains(sp.Canary, r.Upstream)
		if inCanary || (r.Running && r.Digest == req.Release.Digest) {
			canary = append(canary, r)
		}
	}
	return d.removeAll(ctx, canary, "the canary")
}

// removeAll removes rs side by side, one line each; why says what they were.
func (d *Target) removeAll(ctx context.Context, rs []targets.Replica, why string) error {
	done := make([]bool, len(rs))
	var g errgroup.Group
	for i, r := range rs {
		g.Go(func() error {
			if err := removeReplica(ctx, d, r); err != nil {
				return fmt.Errorf("%w; run `docker rm -f %s`", err, r.Name)
			}
			done[i] = true
			return nil
		})
	}
	err := g.Wait()
	for i, r := range rs {
		if done[i] {
			d.step(progress.Retired, "removed %s (%s)", r.Name, why)
		}
	}
	return err
}

// split is what a route's front door sends traffic to: the baseline (the
// replicas that served before the canary) and the canary.
type split struct {
	Stable, Canary []string
	Weight         int
}

// split reads what route sends traffic to: the upstreams of running
// replicas of the canary's digest are the canary side, every other one
// the stable side. A route that does not exist sends nothing.
func (d *Target) split(ctx context.Context, route, canaryDigest string, all []targets.Replica) (split, error) {
	ups, err := d.FrontDoor.Upstreams(ctx, route)
	if errors.Is(err, frontdoor.ErrNoRoute) {
		return split{}, nil
	}
	if err != nil {
		return split{}, err
	}
	var sp split
	for _, u := range ups {
		i := slices.IndexFunc(all, func(r targets.Replica) bool { return r.Running && r.Upstream == u })
		switch {
		case i >= 0 && all[i].Digest == canaryDigest:
			if !slices.Contains(sp.Canary, u) {
				sp.Canary = append(sp.Canary, u)
			}
		case !slices.Contains(sp.Stable, u):
			sp.Stable = append(sp.Stable, u)
		}
	}
	return sp, nil
}

// describe names the releases whose replicas answer at ups, for a line:
// "svc@1.0.0 (2 replicas)".
func describe(all []targets.Replica, ups []string) string {
	var parts []string
	for _, g := range groupVersions(all, ups) {
		parts = append(parts, fmt.Sprintf("%s (%d replica(s))", g.version, g.n))
	}
	if len(parts) == 0 {
		return strings.Join(ups, ", ")
	}
	return strings.Join(parts, " and ")
}

type versionReplicas struct {
	version string
	n       int
}

func groupVersions(all []targets.Replica, ups []string) []versionReplicas {
	var out []versionReplicas
	for _, r := range all {
		if !r.Running || !slices.Contains(ups, r.Upstream) {
			continue
		}
		i := slices.IndexFunc(out, func(g versionReplicas) bool { return g.version == r.Version })
		if i < 0 {
			out = append(out, versionReplicas{version: r.Version})
			i = len(out) - 1
		}
		out[i].n++
	}
	return out
}
