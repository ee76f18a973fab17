package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRollingStrategy replaces dev's replicas one at a time with no failed
// request, then lets a rolling deployment fail on its first new replica:
// every old replica goes back into traffic and the new ones are removed.
func TestRollingStrategy(t *testing.T) {
	p := newProject(t, projectOptions{Target: "strategy: rolling, min_healthy: 1"})
	p.release(t, "1.0.0")
	p.release(t, "1.1.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")

	plan := mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev", "--plan")
	assert.Contains(t, plan.stdout, "replace the replicas in traffic one at a time")

	poll := pollFrontDoorWith(p.url("dev", "/healthz"), 8, 0)
	res := mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")
	total, failures := poll.stop()
	assert.Greater(t, total, 10)
	assert.Zero(t, failures, "failed requests during the rolling promotion: %v", poll.errs())
	assert.Equal(t, 2, strings.Count(res.stderr, "out of traffic"), res.stderr)
	assert.Contains(t, res.stderr, "1 of 2 replicas in traffic run svc@1.1.0")
	assert.Contains(t, res.stderr, "2 of 2 replicas in traffic run svc@1.1.0")
	assertServes(t, p, "dev", "1.1.0")
	assertStatus(t, p, "dev", "1.1.0")

	// 1.2.0 passes its sandbox, then turns unhealthy before the promotion.
	bomb := p.bomb(8 * time.Second)
	p.setHealthyUntil(t, bomb)
	p.release(t, "1.2.0")
	time.Sleep(time.Until(bomb) + time.Second)

	poll = pollFrontDoorWith(p.url("dev", "/healthz"), 8, 0)
	res = bake(t, p.Dir, "promote", "svc@1.2.0", "--to", "dev")
	total, failures = poll.stop()
	require.Equal(t, 1, res.code, res.String())
	assert.Contains(t, res.stderr, "did not become healthy")
	assert.Contains(t, res.stderr, "switched "+strings.TrimPrefix(p.url("dev", ""), "http://")+" back to svc@1.1.0")
	assert.Greater(t, total, 10)
	assert.Zero(t, failures, "failed requests during the failed rolling promotion: %v", poll.errs())
	assertServes(t, p, "dev", "1.1.0")
	assertStatus(t, p, "dev", "1.1.0")

	ctx := context.Background()
	left, err := listContainers(ctx, "dev.bake.project="+p.Name, "dev.bake.version=1.2.0")
	require.NoError(t, err)
	assert.Empty(t, left, "replicas of 1.2.0 left behind")
	old, err := listContainers(ctx, "dev.bake.project="+p.Name, "dev.bake.env=dev", "dev.bake.version=1.1.0")
	require.NoError(t, err)
	for _, c := range old {
		assert.True(t, c.Running, "%s runs again", c.Name)
	}
	assert.Len(t, old, 2)
}
