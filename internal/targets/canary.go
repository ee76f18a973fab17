package targets

import (
	"context"
	"errors"
	"time"

	"github.com/bakehq/bake/internal/analysis"
)

// ErrNoTraffic means a target cannot tell which release served each
// request (a Kubernetes Service balances by pod, unseen): its canaries are
// judged by their Prometheus queries alone.
var ErrNoTraffic = errors.New("the target cannot count the requests each release served")

// Canary is a Target that can run a release beside the one serving and
// send it a share of the traffic, for the canary strategy.
type Canary interface {
	// StartCanary starts req's replicas beside what serves (or finds the
	// ones a held canary of the same digest runs), waits until each passes
	// the health check, and sends them no traffic.
	StartCanary(ctx context.Context, req Request) ([]Replica, error)
	// Shift sends weight percent (0 to 100) of the requests to canary and
	// the rest to the replicas that served before the canary started,
	// dropping no request in flight.
	Shift(ctx context.Context, req Request, canary []Replica, weight int) error
	// Traffic returns what the front door saw served by the canary and by
	// the baseline since since; an error wrapping ErrNoTraffic when the
	// target has nothing that sees the requests.
	Traffic(ctx context.Context, req Request, canary []Replica, since time.Time) (canaryServed, baseline analysis.Sample, err error)
	// Abort sends every request back to the baseline and removes the
	// canary's replicas; it is safe to repeat.
	Abort(ctx context.Context, req Request) error
}

// ShareTeller is a Canary whose Shift says the share it gave the canary
// itself, in its own terms: a Kubernetes canary gets the share of the
// Service's pods nearest to the step's weight ("33% of pods (1 of 3)"),
// not a share of requests. The steps' lines then name the weight as the
// step's ask only.
type ShareTeller interface {
	TellsShare(req Request) bool
}
