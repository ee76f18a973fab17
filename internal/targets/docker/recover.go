package docker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/frontdoor"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/targets"
)

// Inspect reads what runs for req's image in req's environment.
func (d *Target) Inspect(ctx context.Context, req targets.Request) (targets.Live, error) {
	rs, err := d.replicas(ctx, req.Env, req.Image.Name)
	if err != nil {
		return targets.Live{}, err
	}
	sp, err := d.FrontDoor.CurrentSplit(ctx, d.RouteID(req.Env, req.Image.Name))
	if errors.Is(err, frontdoor.ErrNoRoute) {
		return targets.Live{Replicas: rs}, nil
	}
	if err != nil {
		return targets.Live{}, err
	}
	return targets.Live{Replicas: rs, Upstreams: append(slices.Clone(sp.Stable), sp.Canary...), Canary: sp.Canary, Weight: sp.Weight}, nil
}

// Recover converges an image in an environment after an interrupted
// deployment, so that the front door sends traffic to exactly the
// replicas of one release and nothing else runs but what retention keeps.
// A canary that had a share of the requests is ended first: every request
// goes back to the release beside it, and its replicas are removed. With
// rec.Finish and the front door already on healthy replicas of
// rec.Release, those stay; otherwise rec.Recorded goes back into traffic
// (kept replicas started again, new ones if needed, health-gated, one
// switch). Then the replicas the interrupted run created that do not
// serve are removed, and the replaced release is retired as usual.
func (d *Target) Recover(ctx context.Context, rec targets.Recovery) (targets.Recovered, error) {
	live, err := d.Inspect(ctx, rec.Request)
	if err != nil {
		return targets.Recovered{}, err
	}
	if len(live.Canary) > 0 {
		if err := d.endCanary(ctx, rec.Request, live); err != nil {
			return targets.Recovered{}, err
		}
		if live, err = d.Inspect(ctx, rec.Request); err != nil {
			return targets.Recovered{}, err
		}
	}
	if rec.Finish && live.ServesOnly(rec.Release.Digest, rec.Target.Replicas) {
		serving, _ := live.Serving()
		err := d.waitHealthy(ctx, rec.Request, serving)
		if err == nil {
			if err := d.settle(ctx, rec.Request, rec.Operation, serving, rec.Previous); err != nil {
				return targets.Recovered{}, err
			}
			return targets.Recovered{Finished: true, Serves: rec.Release.Version}, nil
		}
		d.say("not keeping %s@%s: %v", rec.Image.Name, rec.Release.Version, err)
	}
	if rec.Recorded == nil {
		return targets.Recovered{}, d.clear(ctx, rec, live)
	}
	back := rec.Request
	back.Release = *rec.Recorded
	tgt := *rec.Target
	tgt.Strategy = config.BlueGreen // every kept replica is started before one switch
	back.Target = &tgt
	var serving []targets.Replica
	if live.ServesOnly(back.Release.Digest, tgt.Replicas) {
		serving, _ = live.Serving()
		if err := d.waitHealthy(ctx, back, serving); err != nil {
			serving = nil
		}
	}
	if serving == nil {
		if serving, err = d.Deploy(ctx, back); err != nil {
			return targets.Recovered{}, fmt.Errorf("putting %s@%s back into traffic: %w", back.Image.Name, back.Release.Version, err)
		}
	}
	if err := d.settle(ctx, back, rec.Operation, serving, rec.RecordedPrevious); err != nil {
		return targets.Recovered{}, err
	}
	return targets.Recovered{Serves: back.Release.Version}, nil
}

// settleRounds and settlePause bound how long settle waits for the engine
// to finish requests the killed bake had sent: a container it was starting
// may start, or one it was creating appear, after the first look.
const (
	settleRounds = 5
	settlePause  = time.Second
)

// settle leaves req's release serving on the replicas in serving: the
// replicas operation created that do not serve are removed, replicas of
// req's release running out of traffic are stopped, and Retire deals with
// the rest. It looks again after a pause until nothing is left to do.
func (d *Target) settle(ctx context.Context, req targets.Request, operation string, serving []targets.Replica, previous string) error {
	for range settleRounds {
		if err := d.settleOnce(ctx, req, operation, serving, previous); err != nil {
			return err
		}
		select {
		case <-time.After(settlePause):
		case <-ctx.Done():
			return ctx.Err()
		}
		all, err := d.replicas(ctx, req.Env, req.Image.Name)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(all, func(r targets.Replica) bool { return unsettled(r, req, operation, serving, previous) }) {
			return nil
		}
	}
	return fmt.Errorf("replicas of %s in %q kept changing after %d rounds of cleanup", req.Image.Name, req.Env, settleRounds)
}

// unsettled reports whether settle still has something to do about r:
// what settleOnce and Retire would stop or remove.
func unsettled(r targets.Replica, req targets.Request, operation string, serving []targets.Replica, previous string) bool {
	switch {
	case slices.ContainsFunc(serving, func(s targets.Replica) bool { return s.ID == r.ID }):
		return false
	case operation != "" && r.Operation == operation:
		return true
	case r.Digest == req.Release.Digest:
		return r.Running
	case r.Version == previous && req.Keep == config.KeepWarm:
		return false
	case r.Version == previous && req.Keep != config.KeepRemoved:
		return r.Running
	}
	return true
}

func (d *Target) settleOnce(ctx context.Context, req targets.Request, operation string, serving []targets.Replica, previous string) error {
	all, err := d.replicas(ctx, req.Env, req.Image.Name)
	if err != nil {
		return err
	}
	for _, r := range all {
		created := operation != "" && r.Operation == operation
		switch {
		case slices.ContainsFunc(serving, func(s targets.Replica) bool { return s.ID == r.ID }):
		case created:
			if err := removeReplica(ctx, d, r); err != nil {
				return err
			}
			d.step(progress.Retired, "removed %s (left by the interrupted run)", r.Name)
		case r.Digest == req.Release.Digest && r.Running:
			if err := d.stop(ctx, r); err != nil {
				return err
			}
			d.step(progress.Retired, "stopped %s (running out of traffic)", r.Name)
		}
	}
	return d.Retire(ctx, req, previous)
}

// clear undoes an interrupted first deployment, when nothing is recorded
// to go back to: the replicas it created are removed, those it started
// again are stopped, and a front door pointing at them is removed.
func (d *Target) clear(ctx context.Context, rec targets.Recovery, live targets.Live) error {
	for _, r := range live.Replicas {
		switch {
		case rec.Operation != "" && r.Operation == rec.Operation:
			if err := removeReplica(ctx, d, r); err != nil {
				return err
			}
			d.step(progress.Retired, "removed %s (left by the interrupted run)", r.Name)
		case r.Digest == rec.Release.Digest && r.Running:
			if err := d.stop(ctx, r); err != nil {
				return err
			}
			d.step(progress.Retired, "stopped %s", r.Name)
		}
	}
	d.pruneNetwork(ctx, rec.Env)
	if live.Upstreams == nil {
		return nil
	}
	if err := d.FrontDoor.Remove(ctx, d.RouteID(rec.Env, rec.Image.Name)); err != nil {
		return err
	}
	d.step(progress.Retired, "removed the front door on %s: nothing is recorded to serve there", rec.Target.Listen)
	return nil
}

// endCanary ends a canary an interrupted run left with a share of the
// requests: when every stable upstream is a running replica, all requests
// go back to them, in one change, and the replicas on the canary side are
// removed once their requests finished. Otherwise the canary is left in
// traffic for Recover to put the recorded release back as a deployment.
func (d *Target) endCanary(ctx context.Context, req targets.Request, live targets.Live) error {
	var stable []string
	for _, u := range live.Upstreams {
		if slices.Contains(live.Canary, u) {
			continue
		}
		if !slices.ContainsFunc(live.Replicas, func(r targets.Replica) bool { return r.Running && r.Upstream == u }) {
			return nil
		}
		stable = append(stable, u)
	}
	if len(stable) == 0 {
		return nil
	}
	route := frontdoor.Route{ID: d.RouteID(req.Env, req.Image.Name), Listen: req.Target.Listen}
	if err := d.FrontDoor.SetUpstreams(ctx, route, stable); err != nil {
		return fmt.Errorf("ending the interrupted canary: %w", err)
	}
	d.step(progress.Switched, "sent all requests on %s back to %s, ending the interrupted canary", req.Target.Listen,
		describe(req.Image.Name, live.Replicas, stable))
	d.drainOf(ctx, route.ID, "the canary's replicas")
	var canary []targets.Replica
	for _, r := range live.Replicas {
		if r.Upstream != "" && slices.Contains(live.Canary, r.Upstream) && !slices.Contains(stable, r.Upstream) {
			canary = append(canary, r)
		}
	}
	return d.removeAll(ctx, canary, "the interrupted canary")
}
