package docker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/bakehq/bake/internal/analysis"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/frontdoor"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/steps"
	"github.com/bakehq/bake/internal/targets"
)

var _ targets.Canary = (*Target)(nil)

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

// Shift sends weight percent of req's route's requests to canary and the
// rest to the baseline: the stable side of the door's split, or every
// upstream in traffic when the door is not split yet. Requests in flight
// finish where they are. Weight 100 sends everything to the canary; the
// baseline is remembered for an Abort by this process until Retire.
func (d *Target) Shift(ctx context.Context, req targets.Request, canary []targets.Replica, weight int) error {
	route := frontdoor.Route{ID: d.RouteID(req.Env, req.Image.Name), Listen: req.Target.Listen}
	release := req.Image.Name + "@" + req.Release.Version
	if weight < 0 || weight > 100 {
		return fmt.Errorf("shifting %s in %q to %d%%: want 0 to 100", release, req.Env, weight)
	}
	all, err := d.replicas(ctx, req.Env, req.Image.Name)
	if err != nil {
		return err
	}
	sp, err := d.split(ctx, route.ID, req.Release.Digest, all)
	if err != nil {
		return fmt.Errorf("shifting %s in %q to %d%%: %w", release, req.Env, weight, err)
	}
	var ups []string
	for _, r := range canary {
		ups = append(ups, r.Upstream)
	}
	if len(sp.Stable) == 0 && weight < 100 {
		return fmt.Errorf("shifting %s in %q to %d%%: no other release serves on %s to share the requests with",
			release, req.Env, weight, req.Target.Listen)
	}
	d.remember(route.ID, sp.Stable)
	next := frontdoor.Split{Stable: sp.Stable, Canary: ups, Weight: weight}
	if err := d.FrontDoor.SetSplit(ctx, route, next); err != nil {
		return fmt.Errorf("shifting %s in %q to %d%%: %w", release, req.Env, weight, err)
	}
	switch weight {
	case 0:
		d.step(progress.Switched, "sent all requests on %s to %s", req.Target.Listen, describe(req.Image.Name, all, sp.Stable))
	case 100:
		d.step(progress.Switched, "sent all requests on %s to %s (%d replica(s))", req.Target.Listen, release, len(ups))
	default:
		d.say("sent %d%% of requests on %s to %s (%d replica(s)), %d%% to %s", weight, req.Target.Listen, release, len(ups),
			100-weight, describe(req.Image.Name, all, sp.Stable))
	}
	return nil
}

// Abort sends every request of req's route back to the baseline in one
// change, lets the requests the canary was answering finish, and removes
// the canary's replicas: those on the canary side of the front door and
// every running replica of req's release outside the baseline. Stopped
// replicas of req's release are left: they may be kept for a rollback.
// With no canary left it does nothing, so it is safe to repeat.
func (d *Target) Abort(ctx context.Context, req targets.Request) error {
	route := frontdoor.Route{ID: d.RouteID(req.Env, req.Image.Name), Listen: req.Target.Listen}
	release := req.Image.Name + "@" + req.Release.Version
	all, err := d.replicas(ctx, req.Env, req.Image.Name)
	if err != nil {
		return err
	}
	sp, err := d.split(ctx, route.ID, req.Release.Digest, all)
	if err != nil {
		return fmt.Errorf("aborting the canary of %s in %q: %w", release, req.Env, err)
	}
	if len(sp.Canary) > 0 {
		if len(sp.Stable) == 0 {
			return fmt.Errorf("aborting the canary of %s in %q: only it serves on %s, there is no release to send the requests back to",
				release, req.Env, req.Target.Listen)
		}
		if err := d.FrontDoor.SetUpstreams(ctx, route, sp.Stable); err != nil {
			return fmt.Errorf("aborting the canary of %s in %q: %w", release, req.Env, err)
		}
		d.step(progress.Switched, "sent all requests on %s back to %s", req.Target.Listen, describe(req.Image.Name, all, sp.Stable))
		d.drainOf(ctx, route.ID, "the canary's replicas")
	}
	d.forget(route.ID)
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

// split reads how route shares its requests between a baseline and the
// canary of canaryDigest. A door holds a split of weight 100 as a plain one
// naming only the canary: when every upstream in traffic is a running
// replica of canaryDigest, the canary has every request and the baseline
// is the one this process shifted from, if any. A route that does not
// exist sends nothing.
func (d *Target) split(ctx context.Context, route, canaryDigest string, all []targets.Replica) (frontdoor.Split, error) {
	cur, err := d.FrontDoor.CurrentSplit(ctx, route)
	if errors.Is(err, frontdoor.ErrNoRoute) {
		return frontdoor.Split{}, nil
	}
	if err != nil {
		return frontdoor.Split{}, err
	}
	if len(cur.Canary) == 0 && len(cur.Stable) > 0 && canaryDigest != "" && !slices.ContainsFunc(cur.Stable, func(u string) bool {
		return !slices.ContainsFunc(all, func(r targets.Replica) bool { return r.Running && r.Upstream == u && r.Digest == canaryDigest })
	}) {
		return frontdoor.Split{Stable: d.remembered(route), Canary: cur.Stable, Weight: 100}, nil
	}
	return cur, nil
}

// remember keeps the baseline of route for this process: once a canary
// has every request the door no longer names it.
func (d *Target) remember(route string, stable []string) {
	if len(stable) == 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.baselines == nil {
		d.baselines = map[string][]string{}
	}
	d.baselines[route] = slices.Clone(stable)
}

func (d *Target) remembered(route string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.baselines[route])
}

func (d *Target) forget(route string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.baselines, route)
}

// describe names the releases whose replicas answer at ups, for a line:
// "svc@1.0.0 (2 replicas)".
func describe(image string, all []targets.Replica, ups []string) string {
	var parts []string
	for _, g := range groupVersions(all, ups) {
		parts = append(parts, fmt.Sprintf("%s@%s (%d replica(s))", image, g.version, g.n))
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

// Traffic sorts what req's front door served since since by the upstream
// that answered: the canary's replicas' addresses are the canary, every
// other one the baseline. A 5xx answer is an error; a request that reached
// no upstream (the door answered it itself) is neither's.
func (d *Target) Traffic(ctx context.Context, req targets.Request, canary []targets.Replica, since time.Time) (canaryServed, baseline analysis.Sample, err error) {
	served, err := d.FrontDoor.Served(ctx, d.RouteID(req.Env, req.Image.Name), since)
	if err != nil {
		return canaryServed, baseline, fmt.Errorf("reading what %s served for %s@%s: %w", req.Target.Listen, req.Image.Name, req.Release.Version, err)
	}
	ups := make([]string, len(canary))
	for i, r := range canary {
		ups[i] = r.Upstream
	}
	for _, s := range served {
		if s.Upstream == "" {
			continue
		}
		side := &baseline
		if slices.Contains(ups, s.Upstream) {
			side = &canaryServed
		}
		side.Requests++
		if s.Status >= 500 {
			side.Errors++
		}
		side.Latencies = append(side.Latencies, s.Duration)
	}
	return canaryServed, baseline, nil
}
