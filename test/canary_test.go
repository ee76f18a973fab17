package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The canary tests promote under load through dev's front door and count
// every failed request, so they run one at a time (see harness_test.go).

// TestCanaryStopsErrors: a release that fails 30% of its requests is
// stopped by the front door's own accounting, at the first step when that
// step saw enough of its requests (on busy cores the load is slower, and
// a step of 10% may not: then at the second): exit 1,
// the canary recorded failed and an auto-rollback with the error rate that
// failed, its replicas gone, every request back on 1.0.0, and no request
// lost to the step changes themselves.
func TestCanaryStopsErrors(t *testing.T) {
	hook := newReceiver(t)
	p := canaryProject(t, "1.1.0", svcFaults{FailRate: "0.3"}, projectOptions{Webhook: hook.URL()})

	load := startLoad(t, p.url("dev", "/"))
	res := bake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")
	sum := load.stop(t)
	require.Equal(t, 1, res.code, res.String())
	lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
	last := lines[len(lines)-1] // above it, the progress lines
	assert.Regexp(t, `^bake: .*svc@1\.1\.0 failed its canary analysis in "dev" at step (1/2 \(10%\)|2/2 \(50%\)): error rate [0-9.]+% vs 0\.0% on [0-9]+/[0-9]+ requests`, last)
	assert.Contains(t, last, "every request is back on 1.0.0")
	assert.Zero(t, sum.FromStepChanges(), "failures caused by step changes: %s", sum)
	assert.Positive(t, sum.FromBadRelease(), "the canary answered requests: %s", sum)

	assertAbortedCanary(t, p, "1.1.0", "error rate")
	auto := hook.waitForType(t, "rollback.automatic")
	assert.Equal(t, "1.0.0", auto.Version)
	assert.Equal(t, "1.1.0", auto.Previous)
	assert.Contains(t, auto.Reason, "error rate")
}

// TestCanaryStopsLatency: a release 100 ms slower than its baseline is
// stopped at the first step, on its median latency.
func TestCanaryStopsLatency(t *testing.T) {
	p := canaryProject(t, "1.1.0", svcFaults{ExtraLatency: "100ms"}, projectOptions{})

	load := startLoad(t, p.url("dev", "/"))
	res := bake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")
	sum := load.stop(t)
	require.Equal(t, 1, res.code, res.String())
	assert.Contains(t, res.stderr, "latency")
	assert.Zero(t, sum.Failed(), "failed requests: %s", sum)

	assertAbortedCanary(t, p, "1.1.0", "latency p50")
}

// TestCanaryCompletes: a good release goes through every step to 100%
// and records the values its analysis saw; no request fails.
func TestCanaryCompletes(t *testing.T) {
	p := canaryProject(t, "1.1.0", goodRelease, projectOptions{})

	load := startLoad(t, p.url("dev", "/"))
	res := bake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")
	sum := load.stop(t)
	require.Equal(t, 0, res.code, res.String())
	assert.Contains(t, res.stdout, "promoted svc in dev to 1.1.0")
	assert.Zero(t, sum.Failed(), "failed requests: %s", sum)

	assertServes(t, p, "dev", "1.1.0")
	assertStatus(t, p, "dev", "1.1.0")
	assert.Equal(t, map[string]int{"1.1.0": 30}, versionsServed(t, p, "dev", 30))
	assert.Nil(t, canaryStatusOf(t, p, "dev"), "no canary under way once it completed")

	deps := canaryHistory(t, p, "dev")
	require.NotEmpty(t, deps)
	done := deps[0]
	assert.Equal(t, "promote", done.Kind)
	assert.Equal(t, "1.1.0", done.Version)
	assert.Equal(t, "succeeded", done.Outcome)
	assert.Equal(t, "canary", done.Strategy)
	require.NotEmpty(t, done.Analysis, "the values the last step's analysis saw")
	assert.Empty(t, failedMeasurements(done.Analysis), "%+v", done.Analysis)
	assert.Equal(t, []int{10, 50}, stepWeights(deps, "1.1.0"), "one step record per step change")

	// A finished canary rolls back as a blue-green deployment does: at once,
	// to the release it replaced, with no step and no request lost.
	load = startLoad(t, p.url("dev", "/"))
	res = bake(t, p.Dir, "rollback", "svc", "--env", "dev", "--yes")
	sum = load.stop(t)
	require.Equal(t, 0, res.code, res.String())
	assert.Zero(t, sum.Failed(), "failed requests during the rollback: %s", sum)
	assertServes(t, p, "dev", "1.0.0")
	assert.Equal(t, map[string]int{"1.0.0": 30}, versionsServed(t, p, "dev", 30))
	back := canaryHistory(t, p, "dev")[0]
	assert.Equal(t, "rollback", back.Kind)
	assert.Equal(t, "1.0.0", back.Version)
	assert.Equal(t, "succeeded", back.Outcome)
	assert.Empty(t, back.Strategy, "a rollback never steps")
}

// assertAbortedCanary checks what a failed analysis leaves: the canary's
// outcome failed naming the measurement, then an auto-rollback of 1.0.0
// that replaced it, no step beyond the first, the canary's replicas gone,
// and every request answered by 1.0.0.
func assertAbortedCanary(t *testing.T, p *project, version, failed string) {
	t.Helper()
	assertServes(t, p, "dev", "1.0.0")
	assertStatus(t, p, "dev", "1.0.0")
	assertNoReplicasOf(t, p, "dev", version)
	assert.Equal(t, map[string]int{"1.0.0": 30}, versionsServed(t, p, "dev", 30), "all traffic back on 1.0.0")
	assert.Nil(t, canaryStatusOf(t, p, "dev"), "no canary under way after the abort")

	deps := canaryHistory(t, p, "dev")
	require.GreaterOrEqual(t, len(deps), 3)
	auto := deps[0]
	assert.Equal(t, "auto-rollback", auto.Kind)
	assert.Equal(t, "1.0.0", auto.Version)
	assert.Equal(t, version, auto.Previous)
	assert.Equal(t, "succeeded", auto.Outcome)
	assert.Contains(t, auto.Reason, failed)
	assert.Contains(t, failedMeasurements(auto.Analysis), failed, "%+v", auto.Analysis)

	outcome := findDeployment(deps, version, "failed")
	require.NotNil(t, outcome, "the canary's outcome record")
	assert.Equal(t, "promote", outcome.Kind)
	assert.Equal(t, "canary", outcome.Strategy)
	assert.Contains(t, outcome.Reason, failed)
	assert.NotContains(t, outcome.Reason, "\n")
	assert.Contains(t, failedMeasurements(outcome.Analysis), failed, "%+v", outcome.Analysis)
	assert.Equal(t, []int{10}, stepWeights(deps, version), "stopped at the first step")
}

// waitForType waits up to 15 s for an event of type typ and returns the first.
func (r *receiver) waitForType(t *testing.T, typ string) hookEvent {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r.mu.Lock()
		got := append([]hookEvent(nil), r.events...)
		r.mu.Unlock()
		for _, e := range got {
			if e.Type == typ {
				return e
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook: no %s event within 15s: %+v", typ, got)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// findDeployment is the newest record of version with outcome.
func findDeployment(deps []canaryDeployment, version, outcome string) *canaryDeployment {
	for i := range deps {
		if deps[i].Version == version && deps[i].Outcome == outcome {
			return &deps[i]
		}
	}
	return nil
}

// stepWeights lists the weights of version's step records, oldest first.
func stepWeights(deps []canaryDeployment, version string) []int {
	var out []int
	for i := len(deps) - 1; i >= 0; i-- {
		d := deps[i]
		if d.Version == version && d.Outcome == "step" && d.Canary != nil {
			out = append(out, d.Canary.Weight)
		}
	}
	return out
}
