package promote

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/analysis"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/targets"
)

// canaryTarget is a hand-written target for the canary's orchestration:
// it keeps the calls it gets and serves what served says.
type canaryTarget struct {
	plainTarget
	mu      sync.Mutex
	calls   []string // "start 1.1.0", "shift 10", "abort 1.1.0", "deploy 1.0.0", "retire 1.0.0"
	weight  int      // the canary's share now
	shifted chan int // each Shift's weight, if not nil
	// served returns what the canary and the baseline served since the
	// step began; nil serves plenty of good requests on both sides.
	served func(weight int) (canary, baseline analysis.Sample)
}

func (c *canaryTarget) call(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, s)
}

func (c *canaryTarget) Calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.calls...)
}

func (c *canaryTarget) Deploy(_ context.Context, req targets.Request) ([]targets.Replica, error) {
	c.call("deploy " + req.Release.Version)
	return nil, nil
}

func (c *canaryTarget) Retire(_ context.Context, _ targets.Request, prev string) error {
	c.call("retire " + prev)
	return nil
}

func (c *canaryTarget) StartCanary(_ context.Context, req targets.Request) ([]targets.Replica, error) {
	c.call("start " + req.Release.Version)
	return []targets.Replica{{Name: "canary-1", Version: req.Release.Version, Running: true, Upstream: "127.0.0.1:9"}}, nil
}

func (c *canaryTarget) Shift(_ context.Context, _ targets.Request, _ []targets.Replica, weight int) error {
	c.call("shift " + strconv.Itoa(weight))
	c.mu.Lock()
	c.weight = weight
	c.mu.Unlock()
	if c.shifted != nil {
		c.shifted <- weight
	}
	return nil
}

func (c *canaryTarget) Traffic(_ context.Context, _ targets.Request, _ []targets.Replica, _ time.Time) (analysis.Sample, analysis.Sample, error) {
	c.mu.Lock()
	w := c.weight
	c.mu.Unlock()
	if c.served != nil {
		can, base := c.served(w)
		return can, base, nil
	}
	return sample(200, 0, 10*time.Millisecond), sample(800, 0, 10*time.Millisecond), nil
}

// Inspect says the front door sends the canary its share, as a split door does.
func (c *canaryTarget) Inspect(context.Context, targets.Request) (targets.Live, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.weight == 0 {
		return targets.Live{}, nil
	}
	return targets.Live{Upstreams: []string{"127.0.0.1:8", "127.0.0.1:9"}, Canary: []string{"127.0.0.1:9"}, Weight: c.weight}, nil
}

func (c *canaryTarget) Recover(_ context.Context, rec targets.Recovery) (targets.Recovered, error) {
	c.call("recover " + rec.Release.Version)
	c.mu.Lock()
	c.weight = 0 // the split ends: every request back on the recorded release
	c.mu.Unlock()
	return targets.Recovered{Serves: rec.Recorded.Version}, nil
}

func (c *canaryTarget) Abort(_ context.Context, req targets.Request) error {
	c.call("abort " + req.Release.Version)
	return nil
}

// sample is n responses, errors of them 5xx, each taking about latency.
func sample(n, errors int, latency time.Duration) analysis.Sample {
	s := analysis.Sample{Requests: n, Errors: errors}
	for i := range n {
		s.Latencies = append(s.Latencies, latency+time.Duration(i%7)*100*time.Microsecond)
	}
	return s
}

// newCanaryEngine is an engine on a real SQLite ledger whose "web" target
// in every environment is a two-step canary, and whose dev runs 1.0.0.
func newCanaryEngine(t *testing.T) (*Engine, *canaryTarget, *[]ledger.Deployment) {
	t.Helper()
	e := newTestEngine(t, "1.0.0", "1.1.0")
	tgt := &config.Target{Type: "docker", Replicas: 1, Listen: "127.0.0.1:1", Strategy: config.Canary,
		Steps: []config.CanaryStep{{Weight: 10, Pause: 300 * time.Millisecond}, {Weight: 50, Pause: 300 * time.Millisecond}},
		Analysis: &config.Analysis{Interval: 50 * time.Millisecond, MinRequests: 50, MaxErrorRateIncrease: 0.01,
			MaxLatencyIncrease: 0.25, Confidence: 0.95}}
	for _, env := range e.Project.Environments {
		env.Targets = map[string]*config.Target{"web": tgt}
	}
	fake := &canaryTarget{}
	e.Target = fake
	var recorded []ledger.Deployment
	var mu sync.Mutex
	e.Recorded = func(d ledger.Deployment) {
		mu.Lock()
		defer mu.Unlock()
		recorded = append(recorded, d)
	}
	_, err := e.Promote(context.Background(), PromoteRequest{Image: "web", Version: "1.0.0", To: "dev"})
	require.NoError(t, err)
	require.Equal(t, []string{"deploy 1.0.0", "retire "}, fake.Calls(), "the first release has no baseline: blue-green")
	fake.calls, recorded = nil, nil
	return e, fake, &recorded
}

// history is env's records of web since the first release, oldest first,
// as "outcome version" with the step's weight and hold.
func history(t *testing.T, e *Engine) []ledger.Deployment {
	t.Helper()
	deps, err := e.Store.Deployments(context.Background(), "web", "dev")
	require.NoError(t, err)
	var out []ledger.Deployment
	for i := len(deps) - 3; i >= 0; i-- { // past 1.0.0's started and succeeded
		out = append(out, deps[i])
	}
	return out
}
