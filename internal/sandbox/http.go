package sandbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/probe"
)

// serviceChecks runs every http and tcp check against the sandbox's published port.
func (r *run) serviceChecks(ctx context.Context) error {
	for _, c := range r.subject.Image.Checks {
		if c.HTTP == nil && c.TCP == nil {
			continue
		}
		start := time.Now()
		var detail string
		var err error
		cctx, cut := r.whileRunning(ctx)
		switch {
		case r.gone != "":
			err = errors.New(r.gone)
		case c.HTTP != nil:
			detail, err = r.httpCheck(cctx, c)
		default:
			detail, err = r.tcpCheck(cctx, c)
		}
		cut()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		res := ledger.CheckResult{Name: c.Name, Kind: c.Kind(), Passed: err == nil, Detail: detail, Duration: time.Since(start)}
		if err != nil {
			res.Detail = err.Error()
		}
		if r.gone == "" {
			r.gone = r.exited(ctx)
			if r.gone != "" {
				// A pass went through the forwarder, not to the service, and
				// a check cut short by the exit has only that to say.
				if res.Passed || cctx.Err() != nil {
					res.Detail = ""
				}
				res.Passed = false
				res.Detail = strings.TrimPrefix(res.Detail+"; ", "; ") + r.gone
			}
		}
		r.record(res)
	}
	return nil
}

func (r *run) httpCheck(ctx context.Context, c config.Check) (string, error) {
	hostPort, err := r.published(c.HTTP.Port)
	if err != nil {
		return "", err
	}
	return probe.CheckHTTP(ctx, hostPort, c.HTTP, r.data)
}

func (r *run) tcpCheck(ctx context.Context, c config.Check) (string, error) {
	hostPort, err := r.published(c.TCP.Port)
	if err != nil {
		return "", err
	}
	return probe.TCP(ctx, fmt.Sprintf("127.0.0.1:%d", hostPort), c.TCP.Timeout)
}

// published is the port on 127.0.0.1 that a check's port (0: the image's)
// is published on.
func (r *run) published(port int) (int, error) {
	if port == 0 {
		port = r.subject.Image.Port
	}
	hostPort, ok := r.hostPort[port]
	if !ok {
		return 0, fmt.Errorf("port %d is not the image's service port %d", port, r.subject.Image.Port)
	}
	return hostPort, nil
}
