package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWatchRollsBackAutomatically promotes a release that turns unhealthy
// after the switch: the health watch catches it, bake switches back to the
// previous release by itself, records both, pins the environment, removes
// the failed replicas, and the failed release may not go further.
func TestWatchRollsBackAutomatically(t *testing.T) {
	hook := newReceiver(t)
	p := newProject(t, projectOptions{Target: "watch: 40s", Webhook: hook.URL()})
	p.release(t, "1.0.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")

	// Healthy through its sandbox and the switch; not through the watch.
	bomb := time.Now().Add(20 * time.Second)
	p.setHealthyUntil(t, bomb)
	p.release(t, "1.1.0")
	res := bake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")
	require.Equal(t, 1, res.code, res.String())
	assert.True(t, time.Now().After(bomb), "the watch ended only after the release turned unhealthy")
	assert.Contains(t, res.stderr, "svc@1.1.0 failed its health watch in \"dev\"")
	assert.Contains(t, res.stderr, "rolled back automatically to 1.0.0")
	assertServes(t, p, "dev", "1.0.0")
	assertStatus(t, p, "dev", "1.0.0")

	deps := history(t, p, "dev").Deployments
	require.GreaterOrEqual(t, len(deps), 3)
	assert.Equal(t, "auto-rollback", deps[0].Kind)
	assert.Equal(t, "1.0.0", deps[0].Version)
	assert.Equal(t, "1.1.0", deps[0].Previous)
	assert.Equal(t, "succeeded", deps[0].Outcome)
	assert.Contains(t, deps[0].Reason, "failed its health watch")
	assert.Equal(t, "promote", deps[1].Kind)
	assert.Equal(t, "1.1.0", deps[1].Version)

	left, err := listContainers(context.Background(), "dev.bake.project="+p.Name, "dev.bake.version=1.1.0")
	require.NoError(t, err)
	assert.Empty(t, left, "replicas of the failed release left behind")

	res = bake(t, p.Dir, "promote", "svc@1.1.0", "--to", "qa")
	assert.Equal(t, 3, res.code, res.String())
	assert.Contains(t, res.stderr, "failed its health watch in \"dev\"")

	events := hook.waitFor(t, 4)
	types := make([]string, len(events))
	for i, e := range events {
		types[i] = e.Type
	}
	assert.Equal(t, []string{"release.recorded", "promotion.succeeded", "release.recorded", "promotion.succeeded"}, types[:4])
	auto := hook.waitFor(t, 5)[4]
	assert.Equal(t, "rollback.automatic", auto.Type)
	assert.Equal(t, "1.0.0", auto.Version)
	assert.Equal(t, "1.1.0", auto.Previous)
	assert.Equal(t, "dev", auto.Env)
	assert.Contains(t, auto.Reason, "failed its health watch")
}
