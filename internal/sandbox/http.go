package sandbox

import (
	"context"
	"fmt"
	"time"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/probe"
)

// httpChecks runs every http check against the sandbox's published port.
func (r *run) httpChecks(ctx context.Context) error {
	for _, c := range r.subject.Image.Checks {
		if c.HTTP == nil {
			continue
		}
		start := time.Now()
		detail, err := r.httpCheck(ctx, c)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		res := ledger.CheckResult{Name: c.Name, Kind: "http", Passed: err == nil, Detail: detail, Duration: time.Since(start)}
		if err != nil {
			res.Detail = err.Error()
		}
		r.record(res)
	}
	return nil
}

func (r *run) httpCheck(ctx context.Context, c config.Check) (string, error) {
	port := c.HTTP.Port
	if port == 0 {
		port = r.subject.Image.Port
	}
	hostPort, ok := r.hostPort[port]
	if !ok {
		return "", fmt.Errorf("port %d is not the image's service port %d", port, r.subject.Image.Port)
	}
	return probe.CheckHTTP(ctx, hostPort, c.HTTP, r.data)
}
