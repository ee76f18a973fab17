package docker

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/bakehq/bake/internal/config"
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
