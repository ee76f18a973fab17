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
