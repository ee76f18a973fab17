package docker

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStartCanaryAndAbort starts a canary beside the release that serves:
// it gets no traffic until shifted; Abort removes it and is safe to repeat.
func TestStartCanaryAndAbort(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	base, canary := f.release("1.0.0"), f.release("1.1.0")
	_, err := f.d.Deploy(ctx, f.request(base))
	require.NoError(t, err)

	started, err := f.d.StartCanary(ctx, f.request(canary))
	require.NoError(t, err)
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
