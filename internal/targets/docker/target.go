package docker

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/frontdoor"
	"github.com/bakehq/bake/internal/targets"
)

func init() {
	targets.Register(config.TargetDocker, func(ctx context.Context, d targets.Deps) (targets.Target, error) {
		eng, err := d.Engine(ctx)
		if err != nil {
			return nil, err
		}
		fd, err := d.FrontDoor(ctx)
		if err != nil {
			return nil, err
		}
		return &Target{Engine: eng, FrontDoor: fd, Project: d.Project, Operation: d.Operation, Progress: d.Progress}, nil
	})
}

var (
	_ targets.Target    = (*Target)(nil)
	_ targets.Recoverer = (*Target)(nil)
)

// Serves says where t serves: its front door's address.
func (d *Target) Serves(t *config.Target) string {
	return "on http://" + t.Listen
}

// Observe reads the replicas of o's image in o's environment and the
// upstreams of its front door, and compares them with the record.
func (d *Target) Observe(ctx context.Context, o targets.Observation) (targets.State, error) {
	var st targets.State
	rs, err := d.Replicas(ctx, o.Env, o.Image)
	if err != nil {
		return st, err
	}
	st.Replicas = rs
	ups, err := d.FrontDoor.Upstreams(ctx, d.RouteID(o.Env, o.Image))
	switch {
	case errors.Is(err, frontdoor.ErrNoRoute):
		// Nothing routed yet: no upstreams is what runs.
	case err != nil && o.Version == "" && len(rs) == 0:
		// Nothing deployed and nothing running: no front door is expected
		// (bake starts it with the first promote).
	case err != nil:
		return st, err
	default:
		st.Upstreams = ups
	}
	warm := ""
	if o.Keep == config.KeepWarm {
		warm = o.Previous
	}
	st.Drift = driftOf(o, st, warm)
	return st, nil
}

// driftOf compares an environment's record (version, digest) with what runs:
// exactly the target's number of running replicas of the recorded digest,
// nothing else running but replicas of version warm (the release it
// replaced, when the environment keeps it warm; "" for none), and the
// front door sending traffic to exactly the replicas of the recorded digest.
func driftOf(o targets.Observation, st targets.State, warm string) []string {
	var drift []string
	var current, others []string
	for _, r := range st.Replicas {
		if !r.Running {
			continue
		}
		switch {
		case o.Digest != "" && r.Digest == o.Digest:
			current = append(current, r.Upstream)
		case warm != "" && r.Version == warm:
		default:
			others = append(others, fmt.Sprintf("%s (%s)", r.Name, r.Version))
		}
	}
	if o.Version == "" {
		if len(others) > 0 {
			drift = append(drift, fmt.Sprintf("nothing is recorded, but %s run", strings.Join(others, ", ")))
		}
		return drift
	}
	if replicas := o.Target.Replicas; len(current) != replicas {
		drift = append(drift, fmt.Sprintf("the record says %d running replicas of %s, the engine runs %d", replicas, o.Version, len(current)))
	}
	if len(others) > 0 {
		drift = append(drift, fmt.Sprintf("replicas not in the record run: %s", strings.Join(others, ", ")))
	}
	ups := append([]string{}, st.Upstreams...)
	sort.Strings(ups)
	want := append([]string{}, current...)
	sort.Strings(want)
	if strings.Join(ups, ",") != strings.Join(want, ",") {
		drift = append(drift, fmt.Sprintf("the front door sends traffic to %s while the running replicas of %s are %s",
			orNone(strings.Join(ups, ", ")), o.Version, orNone(strings.Join(want, ", "))))
	}
	return drift
}

// planSteps says in words what p does, for `bake promote --plan`.
func planSteps(p targets.Plan, req targets.Request, current string) []string {
	var out []string
	line := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	tgt := req.Target
	release := req.Image.Name + "@" + req.Release.Version
	if len(p.Reuse) > 0 {
		line("use %d replica(s) kept warm: %s", len(p.Reuse), strings.Join(p.Reuse, ", "))
	}
	if len(p.Restart) > 0 {
		line("restart %d kept replica(s): %s", len(p.Restart), strings.Join(p.Restart, ", "))
	}
	if p.Strategy == config.Rolling && current != "" {
		line("replace the replicas in traffic one at a time (%d new, %d restarted): each must pass the health check (within %s) before it joins %s and an old one leaves; at least %d stay in traffic",
			p.Start, len(p.Restart), tgt.HealthTimeout, p.Switch, tgt.MinHealthy)
	} else {
		if p.Start > 0 {
			line("start %d new replica(s) of %s", p.Start, release)
		}
		line("wait until every replica passes the health check (within %s)", tgt.HealthTimeout)
		line("switch %s to the new replicas in one step", p.Switch)
	}
	line("record the deployment")
	if tgt.Watch > 0 {
		line("watch health for %s; on failure switch back to %s and pin %s there", tgt.Watch, orNone(current), req.Env)
	}
	if len(p.Warm) > 0 {
		line("keep %d replica(s) of %s running out of traffic (warm) for rollback: %s", len(p.Warm), current, strings.Join(p.Warm, ", "))
	}
	if len(p.Stop) > 0 {
		line("stop %d replica(s) of %s, kept for rollback: %s", len(p.Stop), current, strings.Join(p.Stop, ", "))
	}
	if len(p.Remove) > 0 {
		line("remove %d replica(s) no longer kept: %s", len(p.Remove), strings.Join(p.Remove, ", "))
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
