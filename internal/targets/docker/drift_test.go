package docker

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/targets"
)

func TestDriftOf(t *testing.T) {
	a := targets.Replica{Name: "a", Version: "1.1.0", Digest: "sha256:new", Running: true, Upstream: "127.0.0.1:1"}
	b := targets.Replica{Name: "b", Version: "1.1.0", Digest: "sha256:new", Running: true, Upstream: "127.0.0.1:2"}
	old := targets.Replica{Name: "old", Version: "1.0.0", Digest: "sha256:old", Running: false}
	stray := targets.Replica{Name: "stray", Version: "1.0.0", Digest: "sha256:old", Running: true, Upstream: "127.0.0.1:3"}
	tgt := &config.Target{Replicas: 2}
	rec := targets.Observation{Version: "1.1.0", Digest: "sha256:new", Target: tgt}
	with := func(rs []targets.Replica, ups ...string) targets.State {
		return targets.State{Replicas: rs, Upstreams: ups}
	}
	none := targets.Observation{Target: tgt}
	assert.Empty(t, driftOf(rec, with([]targets.Replica{a, b, old}, "127.0.0.1:2", "127.0.0.1:1"), ""), "as recorded")
	assert.Len(t, driftOf(rec, with([]targets.Replica{a}, "127.0.0.1:1"), ""), 1, "a replica stopped")
	assert.Len(t, driftOf(rec, with([]targets.Replica{a, b, stray}, "127.0.0.1:1", "127.0.0.1:2"), ""), 1, "a stray replica")
	assert.Len(t, driftOf(rec, with([]targets.Replica{a, b}, "127.0.0.1:3"), ""), 1, "front door elsewhere")
	assert.Len(t, driftOf(none, with([]targets.Replica{stray}), ""), 1, "runs without a record")
	assert.Empty(t, driftOf(none, targets.State{}, ""), "nothing recorded, nothing runs")
	warm := stray
	warm.Upstream = "127.0.0.1:4"
	assert.Empty(t, driftOf(rec, with([]targets.Replica{a, b, warm}, "127.0.0.1:1", "127.0.0.1:2"), "1.0.0"), "kept warm")
	assert.Len(t, driftOf(rec, with([]targets.Replica{a, b, warm}, "127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:4"), "1.0.0"), 1,
		"a warm replica in traffic")
}

// TestDriftOfCanary: a canary under way, with its share of requests on
// replicas of its own, is no drift; a split no canary explains is.
func TestDriftOfCanary(t *testing.T) {
	a := targets.Replica{Name: "a", Version: "1.1.0", Digest: "sha256:new", Running: true, Upstream: "127.0.0.1:1"}
	b := targets.Replica{Name: "b", Version: "1.1.0", Digest: "sha256:new", Running: true, Upstream: "127.0.0.1:2"}
	c := targets.Replica{Name: "c", Version: "1.2.0", Digest: "sha256:canary", Running: true, Upstream: "127.0.0.1:5"}
	stray := targets.Replica{Name: "stray", Version: "1.0.0", Digest: "sha256:old", Running: true, Upstream: "127.0.0.1:3"}
	rec := targets.Observation{Version: "1.1.0", Digest: "sha256:new", Target: &config.Target{Replicas: 2}}
	under := rec
	under.Canary = "sha256:canary"
	split := func(weight int, canary ...string) targets.State {
		return targets.State{Replicas: []targets.Replica{a, b, c, stray}, Upstreams: append([]string{"127.0.0.1:1", "127.0.0.1:2"}, canary...),
			Canary: canary, Weight: weight}
	}
	started := targets.State{Replicas: []targets.Replica{a, b, c}, Upstreams: []string{"127.0.0.1:1", "127.0.0.1:2"}}
	assert.Empty(t, driftOf(under, started, ""), "a canary started, not yet shifted")
	assert.Len(t, driftOf(rec, started, ""), 1, "replicas of a canary no record names")
	s := split(10, "127.0.0.1:5")
	s.Replicas = []targets.Replica{a, b, c}
	assert.Empty(t, driftOf(under, s, ""), "a canary at 10%")
	assert.Equal(t, []string{"the front door sends 10% of requests to 127.0.0.1:5 as a canary, but no canary is under way",
		"replicas not in the record run: c (1.2.0)"}, driftOf(rec, s, ""), "a stray split")
	s = split(10, "127.0.0.1:3")
	s.Replicas = []targets.Replica{a, b, c, stray}
	assert.Equal(t, []string{"the front door sends 10% of requests to 127.0.0.1:3 as a canary, but the running replicas of the canary under way are 127.0.0.1:5",
		"replicas not in the record run: stray (1.0.0)"}, driftOf(under, s, ""), "the share goes elsewhere")
	all := targets.State{Replicas: []targets.Replica{a, b, c}, Upstreams: []string{"127.0.0.1:5"}, Canary: []string{"127.0.0.1:5"}, Weight: 100}
	assert.Empty(t, driftOf(under, all, ""), "the canary's last step, before its success is recorded")
}

// TestDriftAndPlanSayListsInWords checks that lists of addresses and
// replicas read as words, never in Go's list syntax.
func TestDriftAndPlanSayListsInWords(t *testing.T) {
	a := targets.Replica{Name: "a", Version: "1.1.0", Digest: "sha256:new", Running: true, Upstream: "127.0.0.1:1"}
	b := targets.Replica{Name: "b", Version: "1.1.0", Digest: "sha256:new", Running: true, Upstream: "127.0.0.1:2"}
	rec := targets.Observation{Version: "1.1.0", Digest: "sha256:new", Target: &config.Target{Replicas: 2}}
	drift := driftOf(rec, targets.State{Replicas: []targets.Replica{a, b}, Upstreams: []string{"127.0.0.1:4", "127.0.0.1:3"}}, "")
	assert.Equal(t, []string{"the front door sends traffic to 127.0.0.1:3, 127.0.0.1:4 while the running replicas of 1.1.0 are 127.0.0.1:1, 127.0.0.1:2"}, drift)
	drift = driftOf(rec, targets.State{Replicas: []targets.Replica{a, b}}, "")
	assert.Equal(t, []string{"the front door sends traffic to none while the running replicas of 1.1.0 are 127.0.0.1:1, 127.0.0.1:2"}, drift)

	tgt := &config.Target{Replicas: 2, HealthTimeout: 30 * time.Second}
	req := targets.Request{Env: "dev", Image: &config.Image{Name: "svc"}, Target: tgt, Release: ledger.Release{Version: "1.2.0"}}
	steps := planSteps(targets.Plan{
		Strategy: config.BlueGreen, Reuse: []string{"r-1", "r-2"}, Restart: []string{"s-1", "s-2"}, Switch: "127.0.0.1:8080",
		Warm: []string{"w-1", "w-2"}, Stop: []string{"t-1", "t-2"}, Remove: []string{"x-1", "x-2"},
	}, req, "1.1.0")
	assert.Contains(t, steps, "use 2 replica(s) kept warm: r-1, r-2")
	assert.Contains(t, steps, "restart 2 kept replica(s): s-1, s-2")
	assert.Contains(t, steps, "keep 2 replica(s) of 1.1.0 running out of traffic (warm) for rollback: w-1, w-2")
	assert.Contains(t, steps, "stop 2 replica(s) of 1.1.0, kept for rollback: t-1, t-2")
	assert.Contains(t, steps, "remove 2 replica(s) no longer kept: x-1, x-2")
	for _, s := range append(steps, drift...) {
		assert.NotContains(t, s, "[", s)
	}
}

func TestCanaryPlanSteps(t *testing.T) {
	max := 0.01
	tgt := &config.Target{Replicas: 2, HealthTimeout: 30 * time.Second, Strategy: config.Canary,
		Steps: []config.CanaryStep{{Weight: 10, Pause: time.Minute}, {Weight: 50, Pause: 2 * time.Minute}},
		Analysis: &config.Analysis{Interval: 5 * time.Second, MinRequests: 50, MaxErrorRateIncrease: 0.01, MaxLatencyIncrease: 0.25,
			Confidence: 0.95, Prometheus: "http://127.0.0.1:9090", Queries: []config.MetricQuery{{Name: "error-ratio", Query: "q", Max: &max}}}}
	req := targets.Request{Env: "prod", Image: &config.Image{Name: "svc"}, Target: tgt, Release: ledger.Release{Version: "1.2.0"}}
	p := targets.Plan{Strategy: config.Canary, Start: 2, Switch: "http://127.0.0.1:8080", Stop: []string{"t-1", "t-2"}}
	steps := canaryPlanSteps(p, req, "1.1.0")
	for _, s := range steps {
		t.Log(s)
		assert.NotContains(t, s, "[", s)
	}
	assert.Contains(t, steps, "start 2 new replica(s) of svc@1.2.0 beside 1.1.0, which keeps serving")
	assert.Contains(t, steps, "step 1 of 2: send 10% of the requests on http://127.0.0.1:8080 to svc@1.2.0 for 1m0s")
	assert.Contains(t, steps, "at every step, every 5s compare the canary with 1.1.0: "+
		"it fails if its 5xx rate is more than 1 percentage point(s) higher or its median latency more than 25% higher (at 95% confidence), "+
		"judged once each side served 50 requests; and Prometheus at http://127.0.0.1:9090: error-ratio at most 0.01")
	assert.Contains(t, steps, "then send every request to svc@1.2.0 and record the deployment")
	assert.Contains(t, steps, "stop 2 replica(s) of 1.1.0, kept for rollback: t-1, t-2")

	first := canaryPlanSteps(p, req, "")
	assert.Contains(t, first[0], "nothing serves yet")
	assert.Contains(t, first, "switch http://127.0.0.1:8080 to the new replicas in one step")
}
