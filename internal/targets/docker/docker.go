package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	"github.com/moby/moby/client"
	"golang.org/x/sync/errgroup"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/frontdoor"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/steps"
	"github.com/bakehq/bake/internal/targets"
)

// Target runs releases as replica containers on the local engine behind a
// Caddy front door.
type Target struct {
	Engine    *client.Client
	FrontDoor *frontdoor.Caddy
	Project   string
	Operation string
	Progress  io.Writer // one line per step; may be nil

	mu sync.Mutex
	// baselines are the upstreams each route served before this process
	// shifted a canary onto it, by route id.
	baselines map[string][]string
}

// RouteID names the front-door route of image in env.
func (d *Target) RouteID(env, image string) string {
	return fmt.Sprintf("bake-%s-%s-%s", d.Project, env, image)
}

// Deploy brings the release into traffic with the target's strategy.
//
// Blue/green starts every new replica (or uses the ones kept from an earlier
// deployment of the same digest), waits until each passes the image's health
// check, and switches the front door to them in one call. Rolling replaces
// the replicas in traffic one at a time, each health-gated. Nothing that
// serves traffic is touched before the new replicas are proven healthy; if a
// step fails, the old release is put back in traffic, the replicas the
// deployment started are removed (or stopped again, if they were kept from
// an earlier release), and the old release keeps serving.
//
// If the engine stops answering meanwhile (it stopped or restarted), the
// deployment stops there, cleans up once the engine answers again, and
// returns an error wrapping engine.ErrLost.
func (d *Target) Deploy(ctx context.Context, req targets.Request) ([]targets.Replica, error) {
	ctx, stop := engine.WhileAnswering(ctx, d.Engine)
	defer stop()
	ready, err := d.deploy(ctx, req)
	if lost := engine.Lost(ctx, d.Engine, err); lost != nil {
		return nil, lost
	}
	return ready, err
}

func (d *Target) deploy(ctx context.Context, req targets.Request) ([]targets.Replica, error) {
	if req.Target.Strategy == config.Rolling {
		old, err := d.serving(ctx, req)
		if err != nil {
			return nil, err
		}
		if len(old) > 0 {
			return d.rolling(ctx, req, old)
		}
	}
	start := &stepStartReplicas{d: d, req: req}
	err := steps.Run(ctx,
		start,
		steps.Func(func(ctx context.Context) error { return d.waitHealthy(ctx, req, start.ready) }),
		&stepSwitch{d: d, req: req, start: start},
	)
	if err != nil {
		return nil, err
	}
	return start.ready, nil
}

// cleanupTimeout bounds a cleanup that runs after the run's own context
// was cancelled.
const cleanupTimeout = 30 * time.Second

// stepSwitch points the front door at the started replicas. If the run is
// halted or interrupted after it switched (a Ctrl-C that lands as the
// switch completes), its Cleanup points the front door back at what it
// served before, so the replicas the start step then removes never keep
// traffic.
type stepSwitch struct {
	d        *Target
	req      targets.Request
	start    *stepStartReplicas
	previous []string // what the front door served before; nil for a new route
	switched bool
}

func (st *stepSwitch) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	// An interrupted run does not switch at all.
	if err := ctx.Err(); err != nil {
		return steps.Halt(state, err)
	}
	prev, err := st.d.FrontDoor.Upstreams(ctx, st.d.RouteID(st.req.Env, st.req.Image.Name))
	if err != nil && !errors.Is(err, frontdoor.ErrNoRoute) {
		return steps.Halt(state, fmt.Errorf("reading what %s serves before switching: %w", st.req.Target.Listen, err))
	}
	st.previous = prev
	if errors.Is(err, frontdoor.ErrNoRoute) {
		// The first switch of a route starts its Caddy.
		id := st.d.RouteID(st.req.Env, st.req.Image.Name)
		if dir, derr := st.d.FrontDoor.DoorDir(id); derr == nil {
			st.d.say("starting Caddy as the front door on %s (its config, upstreams and log: %s)", st.req.Target.Listen, dir)
		}
	}
	if err := st.d.switchTraffic(ctx, st.req, st.start.ready); err != nil {
		return steps.Halt(state, err)
	}
	st.switched = true
	return multistep.ActionContinue
}

func (st *stepSwitch) Cleanup(state multistep.StateBag) {
	_, halted := state.GetOk(multistep.StateHalted)
	_, cancelled := state.GetOk(multistep.StateCancelled)
	if !st.switched || (!halted && !cancelled) || len(st.previous) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	route := frontdoor.Route{ID: st.d.RouteID(st.req.Env, st.req.Image.Name), Listen: st.req.Target.Listen}
	if err := st.d.FrontDoor.SetUpstreams(ctx, route, st.previous); err != nil {
		st.d.say("warning: putting %s back on %s: %v; run `bake recover %s`", st.req.Target.Listen,
			strings.Join(st.previous, ", "), err, st.req.Env)
		return
	}
	st.d.step(progress.Switched, "switched %s back to %s", st.req.Target.Listen, strings.Join(st.previous, ", "))
}

func (d *Target) switchTraffic(ctx context.Context, req targets.Request, ready []targets.Replica) error {
	upstreams := make([]string, len(ready))
	for i, r := range ready {
		upstreams[i] = r.Upstream
	}
	route := frontdoor.Route{ID: d.RouteID(req.Env, req.Image.Name), Listen: req.Target.Listen}
	if err := d.FrontDoor.SetUpstreams(ctx, route, upstreams); err != nil {
		return fmt.Errorf("switching %s front door to %s: %w", req.Target.Listen, req.Release.Version, err)
	}
	d.step(progress.Switched, "switched %s to %s@%s (%d replicas)", req.Target.Listen, req.Image.Name, req.Release.Version, len(ready))
	return nil
}

// Retire deals with every replica of image in env that is not of the
// release now serving: the replicas of the release it replaced are kept as
// req.Keep says (running out of traffic, stopped, or removed) so a rollback
// is fast, and replicas of any older release are removed.
func (d *Target) Retire(ctx context.Context, req targets.Request, previousVersion string) error {
	// A canary that had every request is now the release that serves.
	d.forget(d.RouteID(req.Env, req.Image.Name))
	all, err := d.replicas(ctx, req.Env, req.Image.Name)
	if err != nil {
		return err
	}
	if draining(all, req, previousVersion) {
		// Requests the front door sent to the old replicas before the
		// switch finish before anything is stopped.
		d.drain(ctx, d.RouteID(req.Env, req.Image.Name))
	}
	// Replicas are stopped and removed side by side: the command returns as
	// soon as the slowest is done, not after the sum of them.
	done := make([]string, len(all))
	var g errgroup.Group
	for i, r := range all {
		switch {
		case r.Digest == req.Release.Digest:
			continue
		case r.Version == previousVersion && req.Keep == config.KeepWarm:
			if r.Running {
				done[i] = fmt.Sprintf("kept %s running out of traffic (warm)", r.Name)
			}
		case r.Version == previousVersion && req.Keep != config.KeepRemoved:
			if r.Running {
				g.Go(func() error {
					if err := d.stop(ctx, r); err != nil {
						return err
					}
					done[i] = fmt.Sprintf("stopped %s (kept for rollback)", r.Name)
					return nil
				})
			}
		default:
			g.Go(func() error {
				if err := removeReplica(ctx, d, r); err != nil {
					return err
				}
				done[i] = fmt.Sprintf("removed %s", r.Name)
				return nil
			})
		}
	}
	err = g.Wait()
	for _, line := range done {
		if line != "" {
			d.step(progress.Retired, "%s", line)
		}
	}
	return err
}

// drain waits until the front door has no request in flight to the
// replicas route took out of traffic (at most frontdoor.MaxDrain); past
// that, it says how many are cut short.
func (d *Target) drain(ctx context.Context, route string) {
	d.drainOf(ctx, route, "the old replicas")
}

// drainOf is drain for the replicas what names ("the canary's replicas").
func (d *Target) drainOf(ctx context.Context, route, what string) {
	began := time.Now()
	// A line when draining starts too: it can take up to MaxDrain, and the
	// live view shows it under way.
	d.mark(progress.Step{Kind: progress.Draining, Begins: true}, "draining %s (at most %s)", what, frontdoor.MaxDrain)
	if err := d.FrontDoor.Drain(ctx, route, frontdoor.MaxDrain); err != nil {
		if ctx.Err() != nil {
			// The error is the admin API's request cut off mid-way, which
			// names a URL nobody needs; what happened is the Ctrl-C.
			d.mark(progress.Step{Kind: progress.Draining, Failed: true}, "warning: draining %s cut short by Ctrl-C; stopping them anyway", what)
			return
		}
		d.mark(progress.Step{Kind: progress.Draining, Failed: true}, "warning: %v; stopping %s anyway", err, what)
		return
	}
	d.step(progress.Draining, "drained %s in %s", what, time.Since(began).Round(time.Millisecond))
}

// draining reports whether Retire is about to stop or remove a running
// replica of the release that served until the switch.
func draining(all []targets.Replica, req targets.Request, previousVersion string) bool {
	if req.Keep == config.KeepWarm {
		return false
	}
	for _, r := range all {
		if r.Running && r.Version == previousVersion && r.Digest != req.Release.Digest {
			return true
		}
	}
	return false
}

func (d *Target) say(format string, args ...any) { progress.Say(d.Progress, format, args...) }

// step writes a line that reports a step of the deployment, marked for the
// live view and the JSON events.
func (d *Target) step(k progress.Kind, format string, args ...any) {
	progress.Stepf(d.Progress, k, format, args...)
}

func (d *Target) mark(s progress.Step, format string, args ...any) {
	progress.Mark(d.Progress, s, format, args...)
}

var _ multistep.Step = (*stepStartReplicas)(nil)
