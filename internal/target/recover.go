package target

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/frontdoor"
	"github.com/bakehq/bake/internal/ledger"
)

// ErrNoRecovery means a target type cannot recover an interrupted deployment.
var ErrNoRecovery = errors.New("bake does not recover interrupted deployments on this target type")

// Live is what runs for an image in an environment: its replicas, running
// or not, and where the front door sends traffic.
type Live struct {
	Replicas  []Replica `json:"replicas"`
	Upstreams []string  `json:"upstreams"` // nil when the front door has no route
}

// Serving returns the distinct running replicas the front door sends
// traffic to, and the upstreams that are none of them.
func (l Live) Serving() (serving []Replica, unknown []string) {
	for _, u := range l.Upstreams {
		i := slices.IndexFunc(l.Replicas, func(r Replica) bool { return r.Running && r.Upstream == u })
		switch {
		case i < 0:
			unknown = append(unknown, u)
		case !slices.ContainsFunc(serving, func(r Replica) bool { return r.ID == l.Replicas[i].ID }):
			serving = append(serving, l.Replicas[i])
		}
	}
	return serving, unknown
}

// ServesOnly reports whether the front door sends traffic to n running
// replicas of digest and to nothing else.
func (l Live) ServesOnly(digest string, n int) bool {
	serving, unknown := l.Serving()
	if len(unknown) > 0 || len(serving) != n {
		return false
	}
	for _, r := range serving {
		if r.Digest != digest {
			return false
		}
	}
	return true
}

// String says where the front door sends traffic and which replicas run.
func (l Live) String() string {
	var b strings.Builder
	switch serving, unknown := l.Serving(); {
	case l.Upstreams == nil:
		b.WriteString("the front door has no route")
	default:
		var parts []string
		for _, g := range groupByVersion(serving) {
			parts = append(parts, fmt.Sprintf("%d replica(s) of %s", g.n, g.version))
		}
		if len(unknown) > 0 {
			parts = append(parts, fmt.Sprintf("%d address(es) no running replica has", len(unknown)))
		}
		b.WriteString("the front door sends traffic to " + strings.Join(parts, " and "))
	}
	var running, stopped []string
	for _, g := range groupByVersion(l.Replicas) {
		if g.running > 0 {
			running = append(running, fmt.Sprintf("%d of %s", g.running, g.version))
		}
		if g.n > g.running {
			stopped = append(stopped, fmt.Sprintf("%d of %s", g.n-g.running, g.version))
		}
	}
	if len(running) == 0 {
		running = []string{"none"}
	}
	b.WriteString("; replicas running: " + strings.Join(running, ", "))
	if len(stopped) > 0 {
		b.WriteString("; stopped: " + strings.Join(stopped, ", "))
	}
	return b.String()
}

type versionCount struct {
	version    string
	n, running int
}

func groupByVersion(rs []Replica) []versionCount {
	var out []versionCount
	for _, r := range rs {
		i := slices.IndexFunc(out, func(g versionCount) bool { return g.version == r.Version })
		if i < 0 {
			out = append(out, versionCount{version: r.Version})
			i = len(out) - 1
		}
		out[i].n++
		if r.Running {
			out[i].running++
		}
	}
	return out
}

// Recovery says how Recover converges an image in an environment after a
// deployment was interrupted.
type Recovery struct {
	// Request names the environment, image, target and retention; its
	// Release is what the interrupted deployment brought in.
	Request
	// Finish lets Recover keep Release when the front door already sends
	// traffic only to healthy replicas of it; otherwise Recorded serves.
	Finish bool
	// Previous is the version Release replaced: its replicas are kept as
	// Keep says once Release serves.
	Previous string
	// Recorded is the release the ledger says runs (nil if none), and
	// RecordedPrevious the one it replaced.
	Recorded         *ledger.Release
	RecordedPrevious string
	// Operation is the interrupted bake run: replicas it created that do
	// not serve afterwards are orphans and are removed.
	Operation string
}

// Recovered is what Recover did.
type Recovered struct {
	Finished bool   // Release serves: the interrupted deployment is complete
	Serves   string // the version in traffic afterwards; "" for none
}

// Inspect reads what runs for req's image in req's environment.
func (d *Docker) Inspect(ctx context.Context, req Request) (Live, error) {
	rs, err := d.replicas(ctx, req.Env, req.Image.Name)
	if err != nil {
		return Live{}, err
	}
	ups, err := d.FrontDoor.Upstreams(ctx, d.RouteID(req.Env, req.Image.Name))
	if err != nil && !errors.Is(err, frontdoor.ErrNoRoute) {
		return Live{}, err
	}
	return Live{Replicas: rs, Upstreams: ups}, nil
}

// Recover converges an image in an environment after an interrupted
// deployment, so that the front door sends traffic to exactly the
// replicas of one release and nothing else runs but what retention keeps.
// With rec.Finish and the front door already on healthy replicas of
// rec.Release, those stay; otherwise rec.Recorded goes back into traffic
// (kept replicas started again, new ones if needed, health-gated, one
// switch). Then the replicas the interrupted run created that do not
// serve are removed, and the replaced release is retired as usual.
func (d *Docker) Recover(ctx context.Context, rec Recovery) (Recovered, error) {
	live, err := d.Inspect(ctx, rec.Request)
	if err != nil {
		return Recovered{}, err
	}
	if rec.Finish && live.ServesOnly(rec.Release.Digest, rec.Target.Replicas) {
		serving, _ := live.Serving()
		err := d.waitHealthy(ctx, rec.Request, serving)
		if err == nil {
			if err := d.settle(ctx, rec.Request, rec.Operation, serving, rec.Previous); err != nil {
				return Recovered{}, err
			}
			return Recovered{Finished: true, Serves: rec.Release.Version}, nil
		}
		d.say("not keeping %s@%s: %v", rec.Image.Name, rec.Release.Version, err)
	}
	if rec.Recorded == nil {
		return Recovered{}, d.clear(ctx, rec, live)
	}
	back := rec.Request
	back.Release = *rec.Recorded
	tgt := *rec.Target
	tgt.Strategy = config.BlueGreen // every kept replica is started before one switch
	back.Target = &tgt
	var serving []Replica
	if live.ServesOnly(back.Release.Digest, tgt.Replicas) {
		serving, _ = live.Serving()
		if err := d.waitHealthy(ctx, back, serving); err != nil {
			serving = nil
		}
	}
	if serving == nil {
		if serving, err = d.Deploy(ctx, back); err != nil {
			return Recovered{}, fmt.Errorf("putting %s@%s back into traffic: %w", back.Image.Name, back.Release.Version, err)
		}
	}
	if err := d.settle(ctx, back, rec.Operation, serving, rec.RecordedPrevious); err != nil {
		return Recovered{}, err
	}
	return Recovered{Serves: back.Release.Version}, nil
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
func (d *Docker) settle(ctx context.Context, req Request, operation string, serving []Replica, previous string) error {
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
		if !slices.ContainsFunc(all, func(r Replica) bool { return unsettled(r, req, operation, serving, previous) }) {
			return nil
		}
	}
	return fmt.Errorf("replicas of %s in %q kept changing after %d rounds of cleanup", req.Image.Name, req.Env, settleRounds)
}

// unsettled reports whether settle still has something to do about r:
// what settleOnce and Retire would stop or remove.
func unsettled(r Replica, req Request, operation string, serving []Replica, previous string) bool {
	switch {
	case slices.ContainsFunc(serving, func(s Replica) bool { return s.ID == r.ID }):
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

func (d *Docker) settleOnce(ctx context.Context, req Request, operation string, serving []Replica, previous string) error {
	all, err := d.replicas(ctx, req.Env, req.Image.Name)
	if err != nil {
		return err
	}
	for _, r := range all {
		created := operation != "" && r.Operation == operation
		switch {
		case slices.ContainsFunc(serving, func(s Replica) bool { return s.ID == r.ID }):
		case created:
			if err := removeReplica(ctx, d, r); err != nil {
				return err
			}
			d.say("removed %s (left by the interrupted run)", r.Name)
		case r.Digest == req.Release.Digest && r.Running:
			if err := d.stop(ctx, r); err != nil {
				return err
			}
			d.say("stopped %s (running out of traffic)", r.Name)
		}
	}
	return d.Retire(ctx, req, previous)
}

// clear undoes an interrupted first deployment, when nothing is recorded
// to go back to: the replicas it created are removed, those it started
// again are stopped, and a front door pointing at them is removed.
func (d *Docker) clear(ctx context.Context, rec Recovery, live Live) error {
	for _, r := range live.Replicas {
		switch {
		case rec.Operation != "" && r.Operation == rec.Operation:
			if err := removeReplica(ctx, d, r); err != nil {
				return err
			}
			d.say("removed %s (left by the interrupted run)", r.Name)
		case r.Digest == rec.Release.Digest && r.Running:
			if err := d.stop(ctx, r); err != nil {
				return err
			}
			d.say("stopped %s", r.Name)
		}
	}
	if live.Upstreams == nil {
		return nil
	}
	if err := d.FrontDoor.Remove(ctx, d.RouteID(rec.Env, rec.Image.Name)); err != nil {
		return err
	}
	d.say("removed the front door on %s: nothing is recorded to serve there", rec.Target.Listen)
	return nil
}
