package ecs

import (
	"context"
	"fmt"
	"strings"
	"time"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/targets"
)

// waitHealthy waits until service name has the target's number of RUNNING
// tasks, each healthy in target group tg, within the target's health
// timeout, and returns them. A task of the service started meanwhile that
// stops fails the wait at once, named with its stoppedReason. It reads tasks,
// not the service's runningCount, which counts tasks that never pass a
// health check.
func (t *Target) waitHealthy(ctx context.Context, req targets.Request, name, tg string) ([]targets.Replica, error) {
	timeout := req.Target.HealthTimeout
	if timeout <= 0 {
		timeout = config.DefaultHealthTimeout
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cluster := req.Target.ECS.Cluster
	what := fmt.Sprintf("the tasks of ECS service %s", name)
	// Tasks that existed before the wait are no news when they stop: a
	// kept service scaled to zero a moment ago may still be stopping them.
	old := map[string]bool{}
	for _, status := range []ecstypes.DesiredStatus{ecstypes.DesiredStatusStopped, ecstypes.DesiredStatusRunning} {
		before, err := t.tasksOf(wctx, cluster, status, name)
		if err != nil {
			return nil, t.waitError(ctx, what, err)
		}
		for _, tk := range before[name] {
			old[tk.id] = true
		}
	}
	start := time.Now()
	why := "no task running yet"
	for {
		ready, reason, err := t.healthOf(wctx, req, name, tg, old)
		switch {
		case ready != nil:
			t.step(progress.Healthy, "%s: %d task(s) running and healthy in %s after %s",
				name, len(ready), tgName(tg), time.Since(start).Round(time.Second))
			return ready, nil
		case err != nil:
			return nil, t.waitError(ctx, what, err)
		case reason != "":
			why = reason
		}
		select {
		case <-wctx.Done():
			if ctx.Err() != nil {
				return nil, targets.Interrupted(ctx, what)
			}
			return nil, fmt.Errorf("%w: ECS service %s was not healthy within %s: %s", targets.ErrUnhealthy, name, timeout, why)
		case <-time.After(t.poll()):
		}
	}
}

// waitError is err, or the interruption that caused it.
func (t *Target) waitError(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return targets.Interrupted(ctx, what)
	}
	return err
}

// healthOf returns the service's tasks once enough are running and
// healthy; otherwise why not. A task stopped that is not in old fails it.
func (t *Target) healthOf(ctx context.Context, req targets.Request, name, tg string, old map[string]bool) ([]targets.Replica, string, error) {
	cluster := req.Target.ECS.Cluster
	stopped, err := t.tasksOf(ctx, cluster, ecstypes.DesiredStatusStopped, name)
	if err != nil {
		return nil, "", err
	}
	for _, tk := range stopped[name] {
		if !old[tk.id] && !scaledIn(tk) {
			return nil, "", fmt.Errorf("%w: task %s of ECS service %s stopped: %s", targets.ErrUnhealthy, tk.id, name, orNone(tk.reason))
		}
	}
	running, err := t.tasksOf(ctx, cluster, ecstypes.DesiredStatusRunning, name)
	if err != nil {
		return nil, "", err
	}
	ts := running[name]
	health := map[string]elbtypes.TargetHealth{}
	if len(ts) > 0 {
		if health, err = t.targetHealth(ctx, tg); err != nil {
			return nil, "", err
		}
	}
	ts = resolve(ts, health)
	n, healthy, why := healthyIn(ts, health)
	want := req.Target.Replicas
	switch {
	case n < want:
		return nil, fmt.Sprintf("%d of %d tasks running", n, want), nil
	case healthy < n:
		return nil, why, nil
	}
	var out []targets.Replica
	for _, tk := range ts {
		if tk.status == "RUNNING" {
			out = append(out, targets.Replica{ID: tk.id, Name: name, Version: req.Release.Version, Digest: req.Release.Digest,
				Running: true, Upstream: tk.address, Operation: t.Operation})
		}
	}
	return out, "", nil
}

// scaledIn reports whether ECS's scheduler stopped tk to bring its
// service down to its desired count (it was over it for a moment: a
// service scaled to zero and straight back up), which is no failure.
func scaledIn(tk task) bool { return strings.HasPrefix(tk.reason, "Scaling activity") }

// Watch reads the health of the release's tasks in its target group, every
// poll interval, for period after the switch. It fails as soon as a task
// is reported anything but healthy (or initial), or is gone from it.
func (t *Target) Watch(ctx context.Context, req targets.Request, replicas []targets.Replica, period time.Duration) error {
	if len(replicas) == 0 {
		return nil
	}
	s, err := t.service(ctx, req.Target.ECS.Cluster, serviceName(req))
	if err != nil {
		return err
	}
	if s == nil || s.TargetGroup == "" {
		return fmt.Errorf("ECS service %s is gone", serviceName(req))
	}
	start := time.Now()
	what := req.Image.Name + "@" + req.Release.Version
	t.mark(progress.Step{Kind: progress.Watch, Begins: true, Period: period, What: what},
		"watching %s in its target group for %s", what, period)
	for {
		health, err := t.targetHealth(ctx, s.TargetGroup)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		for _, r := range replicas {
			h, ok := health[r.Upstream]
			if !ok {
				return fmt.Errorf("task %s left target group %s %s after the switch", r.ID, tgName(s.TargetGroup), time.Since(start).Round(time.Second))
			}
			if h.State != elbtypes.TargetHealthStateEnumHealthy && h.State != elbtypes.TargetHealthStateEnumInitial {
				return fmt.Errorf("task %s is %s in %s %s after the switch", r.ID, h.State, tgName(s.TargetGroup), time.Since(start).Round(time.Second))
			}
		}
		if time.Since(start) >= period {
			t.step(progress.Watch, "%s stayed healthy for %s", what, period)
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(min(t.poll(), period-time.Since(start))):
		}
	}
}
