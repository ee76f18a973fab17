package target

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/bakehq/bake/internal/probe"
)

// waitHealthy probes every new replica with the image's health check, all at
// once, within the target's health timeout.
func (d *Docker) waitHealthy(ctx context.Context, req Request, ready []Replica) error {
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
				return fmt.Errorf("%w: %s: %v", ErrUnhealthy, r.Name, err)
			}
			d.say("%s is healthy", r.Name)
			return nil
		})
	}
	return g.Wait()
}
