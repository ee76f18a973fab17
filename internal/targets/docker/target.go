package docker

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/bakehq/bake/internal/config"
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
	sp, err := d.split(ctx, d.RouteID(o.Env, o.Image), o.Canary, rs)
	switch {
	case err != nil && o.Version == "" && len(rs) == 0:
		// Nothing deployed and nothing running: no front door is expected
		// (bake starts it with the first promote).
	case err != nil:
		return st, err
	case len(sp.Stable)+len(sp.Canary) > 0:
		// A route that does not exist yet has no upstreams: nil is what runs.
		st.Upstreams = append(slices.Clone(sp.Stable), sp.Canary...)
		st.Canary, st.Weight = sp.Canary, sp.Weight
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
// replaced, when the environment keeps it warm; "" for none) and of the
// canary under way (o.Canary), and the front door sending traffic to
// exactly the replicas of the recorded digest, but for the share a canary
// under way gets on replicas of its own.
func driftOf(o targets.Observation, st targets.State, warm string) []string {
	var drift []string
	var current, canary, others []string
	for _, r := range st.Replicas {
		if !r.Running {
			continue
		}
		switch {
		case o.Digest != "" && r.Digest == o.Digest:
			current = append(current, r.Upstream)
		case o.Canary != "" && r.Digest == o.Canary:
			canary = append(canary, r.Upstream)
		case warm != "" && r.Version == warm:
		default:
			others = append(others, fmt.Sprintf("%s (%s)", r.Name, r.Version))
		}
	}
	drift = append(drift, canaryDrift(o, st, canary)...)
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
	if o.Canary != "" && st.Weight == 100 && len(st.Canary) > 0 {
		// The canary's last step sent it every request: the record of
		// its success comes next.
		return drift
	}
	var ups []string
	for _, u := range st.Upstreams {
		if !slices.Contains(st.Canary, u) {
			ups = append(ups, u)
		}
	}
	sort.Strings(ups)
	want := append([]string{}, current...)
	sort.Strings(want)
	if strings.Join(ups, ",") != strings.Join(want, ",") {
		drift = append(drift, fmt.Sprintf("the front door sends traffic to %s while the running replicas of %s are %s",
			orNone(strings.Join(ups, ", ")), o.Version, orNone(strings.Join(want, ", "))))
	}
	return drift
}

// canaryDrift says how a front door that gives a canary a share of the
// requests differs from the record: a canary must be under way, and the
// share must go to running replicas of it (running is their upstreams).
func canaryDrift(o targets.Observation, st targets.State, running []string) []string {
	if len(st.Canary) == 0 {
		return nil
	}
	sent := fmt.Sprintf("the front door sends %d%% of requests to %s as a canary", st.Weight, strings.Join(st.Canary, ", "))
	if o.Canary == "" {
		return []string{sent + ", but no canary is under way"}
	}
	for _, u := range st.Canary {
		if !slices.Contains(running, u) {
			return []string{fmt.Sprintf("%s, but the running replicas of the canary under way are %s", sent, orNone(strings.Join(running, ", ")))}
		}
	}
	return nil
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
