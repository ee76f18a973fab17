package docker

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/bakehq/bake/internal/probe"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/targets"
)

// waitHealthy probes every new replica with the image's health check, all at
// once, within the target's health timeout.
func (d *Target) waitHealthy(ctx context.Context, req targets.Request, ready []targets.Replica) error {
	check := req.Image.HealthCheck()
	if check == nil {
		return fmt.Errorf("%s has no http check to wait for", req.Image.Name)
	}
	hc := *check.HTTP
	hc.Timeout = req.Target.HealthTimeout
	data := probe.Data{Image: req.Image.Name, Version: req.Release.Version, Vars: req.Image.Vars}
	g, gctx := errgroup.WithContext(ctx)
	for _, r := range ready {
		g.Go(func() error {
			port, _ := strconv.Atoi(r.Upstream[strings.LastIndex(r.Upstream, ":")+1:])
			if _, err := probe.CheckHTTP(gctx, port, &hc, data); err != nil {
				if ctx.Err() != nil {
					return targets.Interrupted(ctx, fmt.Sprintf("the replicas of %s@%s", req.Image.Name, req.Release.Version))
				}
				return fmt.Errorf("%w: %s: %v", targets.ErrUnhealthy, r.Name, err)
			}
			d.step(progress.Healthy, "%s is healthy", r.Name)
			return nil
		})
	}
	return g.Wait()
}

// watchWindow is how long a replica may fail its health check during a
// watch before it counts as unhealthy: one slow answer is not a failure.
const watchWindow = 3 * time.Second

// Watch probes the release's replicas with the image's health check, once a
// second, for period after the switch. It returns an error wrapping
// ErrUnhealthy as soon as any replica has failed the check for watchWindow.
func (d *Target) Watch(ctx context.Context, req targets.Request, replicas []targets.Replica, period time.Duration) error {
	check := req.Image.HealthCheck()
	if check == nil || len(replicas) == 0 {
		return nil
	}
	hc := *check.HTTP
	hc.Timeout = watchWindow
	data := probe.Data{Image: req.Image.Name, Version: req.Release.Version, Vars: req.Image.Vars}
	start := time.Now()
	d.mark(progress.Step{Kind: progress.Watch, Begins: true, Period: period, What: req.Image.Name + "@" + req.Release.Version},
		"watching %s@%s for %s", req.Image.Name, req.Release.Version, period)
	for {
		for _, r := range replicas {
			port, _ := strconv.Atoi(r.Upstream[strings.LastIndex(r.Upstream, ":")+1:])
			if _, err := probe.CheckHTTP(ctx, port, &hc, data); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return fmt.Errorf("%s failed its health check %s after the switch: %v",
					r.Name, time.Since(start).Round(time.Second), err)
			}
		}
		if time.Since(start) >= period {
			d.step(progress.Watch, "%s@%s stayed healthy for %s", req.Image.Name, req.Release.Version, period)
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(min(time.Second, period-time.Since(start))):
		}
	}
}
