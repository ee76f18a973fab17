package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKillDuringRollingRevert kills bake with SIGKILL while the rolling
// strategy puts the old release back into traffic after a new replica
// failed its health check, and after it did: `bake recover` converges to
// the recorded release, records the promote as failed, and status --check
// is clean.
func TestKillDuringRollingRevert(t *testing.T) {
	p := newProject(t, projectOptions{Target: "strategy: rolling, min_healthy: 1"})
	p.release(t, "1.0.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	bomb := p.bomb(8 * time.Second)
	p.setHealthyUntil(t, bomb)
	p.release(t, "1.1.0") // passes its sandbox, unhealthy from the promote on
	time.Sleep(time.Until(bomb) + time.Second)

	re := regexp.MustCompile
	for _, pt := range []killPoint{
		{name: "restarting-the-old-replica", line: re(`^restarted bake-`), nth: 1},
		{name: "switched-back", line: re(`^switched .* back to svc@1\.0\.0`), nth: 1},
	} {
		t.Run(pt.name, func(t *testing.T) {
			out := runAndKill(t, p.Dir, pt, "promote", "svc@1.1.0", "--to", "dev")
			t.Logf("killed after %q:\n%s", pt.name, out)
			require.Contains(t, out, "took bake-", "the rolling promote took an old replica out before it failed")

			rec := mustBake(t, p.Dir, "recover", "dev")
			t.Logf("recover:\n%s%s", rec.stdout, rec.stderr)
			assert.Contains(t, rec.stdout, "undid the interrupted promote of svc@1.1.0 in dev: 1.0.0 serves")
			assert.Equal(t, "1.0.0", assertConsistent(t, p))
			mustBake(t, p.Dir, "status", "--check")
			h := history(t, p, "dev")
			assert.Equal(t, "failed", h.Deployments[0].Outcome)
			assert.Equal(t, "1.1.0", h.Deployments[0].Version)
			mustBake(t, p.Dir, "verify")
		})
	}
}

// TestKillDuringAutomaticRollback kills bake with SIGKILL right after the
// automatic rollback switched traffic back: `bake recover` finishes it,
// records it as succeeded and pins the environment with it, as the
// automatic rollback itself would have.
func TestKillDuringAutomaticRollback(t *testing.T) {
	p := newProject(t, projectOptions{Target: "watch: 40s"})
	p.release(t, "1.0.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	bomb := time.Now().Add(20 * time.Second)
	p.setHealthyUntil(t, bomb) // healthy through its sandbox and the switch; not through the watch
	p.release(t, "1.1.0")

	pt := killPoint{name: "auto-rollback switched", line: regexp.MustCompile(`^switched .* to svc@1\.0\.0`), nth: 1}
	out := runAndKill(t, p.Dir, pt, "promote", "svc@1.1.0", "--to", "dev")
	t.Logf("killed:\n%s", out)
	require.Contains(t, out, "failed its health watch")

	status := mustBake(t, p.Dir, "status")
	assert.Contains(t, status.stdout, "auto-rollback svc@1.0.0")
	rec := mustBake(t, p.Dir, "recover", "dev")
	t.Logf("recover:\n%s%s", rec.stdout, rec.stderr)
	assert.Contains(t, rec.stdout, "finished the interrupted auto-rollback of svc@1.0.0 in dev")
	assert.Equal(t, "1.0.0", assertConsistent(t, p))
	mustBake(t, p.Dir, "status", "--check")
	assert.Equal(t, "1.0.0", pinnedIn(t, p, "dev"), "the finished automatic rollback pins dev")
	h := history(t, p, "dev")
	assert.Equal(t, "auto-rollback", h.Deployments[0].Kind)
	assert.Equal(t, "succeeded", h.Deployments[0].Outcome)
	// SIGKILL lands after the switch line; on a loaded machine bake may have
	// recorded the outcome by then, and the record keeps the watch's reason.
	if strings.Contains(rec.stdout+rec.stderr, "after it recorded succeeded") {
		assert.Contains(t, h.Deployments[0].Reason, "failed its health watch")
	} else {
		assert.Contains(t, h.Deployments[0].Reason, "interrupted")
	}
	mustBake(t, p.Dir, "verify")
}
