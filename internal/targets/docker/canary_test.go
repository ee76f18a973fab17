package docker

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/analysis"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/targets"
)

// TestStartCanaryAndAbort starts a canary beside the release that serves:
// it gets no traffic until shifted; Abort removes it and is safe to repeat.
func TestStartCanaryAndAbort(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	base, canary := f.release("1.0.0"), f.release("1.1.0")
	started := f.canaryBeside(base, canary)
	require.Len(t, started, 2)
	assert.Equal(t, map[string]int{"1.0.0": 20}, f.versions(20), "a started canary gets no traffic")

	// A held canary resumed by a new process uses the replicas that run.
	again, err := f.d.StartCanary(ctx, f.request(canary))
	require.NoError(t, err)
	assert.ElementsMatch(t, started, again)

	require.NoError(t, f.d.Abort(ctx, f.request(canary)))
	assert.Empty(t, f.running("1.1.0"), "abort removes the canary's replicas")
	assert.Len(t, f.running("1.0.0"), 2)
	assert.Equal(t, map[string]int{"1.0.0": 20}, f.versions(20))
	require.NoError(t, f.d.Abort(ctx, f.request(canary)), "abort is safe to repeat")
}

// TestShiftAndAbort shifts a share of the requests to a canary, all of
// them, and back: Abort puts every request on the baseline again and
// removes the canary, even after it had all of them.
func TestShiftAndAbort(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	base, canary := f.release("1.0.0"), f.release("1.1.0")
	started := f.canaryBeside(base, canary)

	require.NoError(t, f.d.Shift(ctx, f.request(canary), started, 10))
	got := f.versions(200)
	t.Logf("at 10%%: %v", got)
	assert.InDelta(t, 20, got["1.1.0"], 4, "about 10%% of 200 requests reach the canary")
	assert.Equal(t, 200, got["1.0.0"]+got["1.1.0"])
	require.NoError(t, f.d.Shift(ctx, f.request(canary), started, 50))
	got = f.versions(200)
	assert.InDelta(t, 100, got["1.1.0"], 6, "about half reach the canary at 50%%: %v", got)
	require.NoError(t, f.d.Shift(ctx, f.request(canary), started, 100))
	assert.Equal(t, map[string]int{"1.1.0": 50}, f.versions(50))

	require.NoError(t, f.d.Abort(ctx, f.request(canary)))
	assert.Equal(t, map[string]int{"1.0.0": 50}, f.versions(50))
	assert.Empty(t, f.running("1.1.0"), "abort removes the canary's replicas")
	require.NoError(t, f.d.Abort(ctx, f.request(canary)), "abort is safe to repeat")
	assert.Equal(t, map[string]int{"1.0.0": 20}, f.versions(20))
}

// TestTraffic attributes what the front door served to the canary and the
// baseline by the upstream that answered: a canary that fails every
// request, 50 ms late, against a good baseline.
func TestTraffic(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	base, bad := f.release("1.0.0"), f.release("1.1.0", "FAIL_RATE=1", "EXTRA_LATENCY=50ms")
	started := f.canaryBeside(base, bad)
	since := time.Now()
	require.NoError(t, f.d.Shift(ctx, f.request(bad), started, 10))
	codes := f.statuses(200)
	t.Logf("at 10%%: %v", codes)
	assert.InDelta(t, 20, codes[http.StatusInternalServerError], 4)

	var canary, baseline analysis.Sample
	var err error
	require.Eventually(t, func() bool {
		canary, baseline, err = f.d.Traffic(ctx, f.request(bad), started, since)
		require.NoError(t, err)
		return canary.Requests+baseline.Requests >= 200
	}, 10*time.Second, 100*time.Millisecond, "the front door's log has every request")
	assert.Equal(t, codes[http.StatusInternalServerError], canary.Requests)
	assert.Equal(t, canary.Requests, canary.Errors)
	assert.Equal(t, codes[http.StatusOK], baseline.Requests)
	assert.Zero(t, baseline.Errors)
	require.Len(t, canary.Latencies, canary.Requests)
	require.Len(t, baseline.Latencies, baseline.Requests)
	assert.GreaterOrEqual(t, slices.Min(canary.Latencies), 50*time.Millisecond)
	sorted := slices.Sorted(slices.Values(baseline.Latencies))
	assert.Less(t, sorted[len(sorted)/2], 50*time.Millisecond, "the baseline's median")

	later, _, err := f.d.Traffic(ctx, f.request(bad), started, time.Now().Add(time.Second))
	require.NoError(t, err)
	assert.Zero(t, later.Requests, "nothing served after since")
}

// TestAbortInAnotherProcess aborts a canary that another bake shifted
// (a held canary, `bake abort`): the door itself says what the baseline is.
func TestAbortInAnotherProcess(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	base, canary := f.release("1.0.0"), f.release("1.1.0")
	started := f.canaryBeside(base, canary)
	require.NoError(t, f.d.Shift(ctx, f.request(canary), started, 30))

	other := &Target{Engine: f.d.Engine, FrontDoor: f.d.FrontDoor, Project: f.project, Operation: "other", Progress: testLog{t}}
	require.NoError(t, other.Abort(ctx, f.request(canary)))
	assert.Equal(t, map[string]int{"1.0.0": 30}, f.versions(30))
	assert.Empty(t, f.running("1.1.0"))
}

// TestObserveCanary reads a door that gives a canary a share of requests:
// no drift while the ledger names the canary, drift when nothing does.
func TestObserveCanary(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	base, canary := f.release("1.0.0"), f.release("1.1.0")
	started := f.canaryBeside(base, canary)
	require.NoError(t, f.d.Shift(ctx, f.request(canary), started, 10))

	o := targets.Observation{Env: "dev", Image: "svc", Target: f.target, Version: base.Version, Digest: base.Digest,
		Keep: config.KeepStopped, Canary: canary.Digest}
	st, err := f.d.Observe(ctx, o)
	require.NoError(t, err)
	assert.Empty(t, st.Drift, "a canary under way")
	assert.Equal(t, 10, st.Weight)
	assert.ElementsMatch(t, []string{started[0].Upstream, started[1].Upstream}, st.Canary)
	assert.Len(t, st.Upstreams, 4)

	o.Canary = ""
	st, err = f.d.Observe(ctx, o)
	require.NoError(t, err)
	require.NotEmpty(t, st.Drift, "a split no canary explains")
	assert.Contains(t, st.Drift[0], "as a canary, but no canary is under way")
}

// TestRecoverMidCanary recovers after a bake was killed with its canary
// at 20%: every request goes back to the recorded release, the canary's
// replicas are removed.
func TestRecoverMidCanary(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	base, canary := f.release("1.0.0"), f.release("1.1.0")
	_, err := f.d.Deploy(ctx, f.request(base))
	require.NoError(t, err)
	killed := &Target{Engine: f.d.Engine, FrontDoor: f.d.FrontDoor, Project: f.project, Operation: "killed", Progress: testLog{t}}
	started, err := killed.StartCanary(ctx, f.request(canary))
	require.NoError(t, err)
	require.NoError(t, killed.Shift(ctx, f.request(canary), started, 20))

	live, err := f.d.Inspect(ctx, f.request(canary))
	require.NoError(t, err)
	assert.Equal(t, 20, live.Weight)
	assert.Contains(t, live.String(), "20% of it to")
	res, err := f.d.Recover(ctx, targets.Recovery{Request: f.request(canary), Finish: true, Previous: base.Version,
		Recorded: &base, Operation: "killed"})
	require.NoError(t, err)
	assert.Equal(t, targets.Recovered{Serves: "1.0.0"}, res)
	assert.Equal(t, map[string]int{"1.0.0": 40}, f.versions(40))
	rs, err := f.d.replicas(ctx, "dev", "svc")
	require.NoError(t, err)
	assert.Len(t, rs, 2, "only the recorded release's replicas are left")
	for _, r := range rs {
		assert.Equal(t, "1.0.0", r.Version)
	}
}

// TestShiftWithoutBaseline refuses to share requests when nothing else serves.
func TestShiftWithoutBaseline(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	canary := f.release("1.1.0")
	started, err := f.d.StartCanary(ctx, f.request(canary))
	require.NoError(t, err)
	err = f.d.Shift(ctx, f.request(canary), started, 10)
	require.ErrorContains(t, err, "no other release serves")
}

// TestStartCanaryUnhealthy starts a canary that never passes its health
// check: what it started is removed and the front door is untouched.
func TestStartCanaryUnhealthy(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	base, bad := f.release("1.0.0"), f.release("1.1.0", "SVC_HEALTHY_AFTER=3600")
	_, err := f.d.Deploy(ctx, f.request(base))
	require.NoError(t, err)
	before, err := f.d.FrontDoor.Upstreams(ctx, f.d.RouteID("dev", "svc"))
	require.NoError(t, err)

	f.target.HealthTimeout = 3 * time.Second
	_, err = f.d.StartCanary(ctx, f.request(bad))
	require.Error(t, err)
	assert.Empty(t, f.running("1.1.0"), "the unhealthy canary's replicas are removed")
	rs, err := f.d.replicas(ctx, "dev", "svc")
	require.NoError(t, err)
	assert.Len(t, rs, 2, "nothing of the canary is left, running or not")
	after, err := f.d.FrontDoor.Upstreams(ctx, f.d.RouteID("dev", "svc"))
	require.NoError(t, err)
	assert.Equal(t, before, after)
	assert.Equal(t, map[string]int{"1.0.0": 20}, f.versions(20))
}

// TestStartCanaryInterrupted cancels a canary while it waits for health,
// as Ctrl-C does: what it started is removed.
func TestStartCanaryInterrupted(t *testing.T) {
	f := newFixture(t)
	base, slow := f.release("1.0.0"), f.release("1.1.0", "SVC_HEALTHY_AFTER=3600")
	_, err := f.d.Deploy(t.Context(), f.request(base))
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	_, err = f.d.StartCanary(ctx, f.request(slow))
	require.Error(t, err)
	rs, err := f.d.replicas(t.Context(), "dev", "svc")
	require.NoError(t, err)
	assert.Len(t, rs, 2, "only the baseline is left")
	assert.Equal(t, map[string]int{"1.0.0": 10}, f.versions(10))
}
