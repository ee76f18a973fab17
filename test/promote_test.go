package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReleasePromoteRollback walks two releases through dev, qa and prod and
// rolls back, checking every front door and `bake status` on the way.
func TestReleasePromoteRollback(t *testing.T) {
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	p.release(t, "1.1.0")

	for _, v := range []string{"1.0.0", "1.1.0"} {
		res := mustBake(t, p.Dir, "promote", "svc@"+v, "--to", "dev")
		assert.Contains(t, res.stdout, "promoted svc in dev to "+v)
		assertServes(t, p, "dev", v)
		for i := 1; i < len(envNames); i++ {
			from, to := envNames[i-1], envNames[i]
			res := mustBake(t, p.Dir, "promote", "svc", "--from", from, "--to", to)
			assert.Contains(t, res.stdout, "promoted svc in "+to+" to "+v)
			assertServes(t, p, to, v)
		}
		for _, env := range envNames {
			assertStatus(t, p, env, v)
		}
	}

	t.Run("rollback prod to the previous release", func(t *testing.T) {
		poll := pollFrontDoorWith(p.url("prod", "/healthz"), 8, 0)
		res := mustBake(t, p.Dir, "rollback", "svc", "--env", "prod", "--yes")
		total, failures := poll.stop()
		assert.Greater(t, total, 10)
		assert.Zero(t, failures, "failed requests to prod during the rollback: %v", poll.errs())
		assert.Contains(t, res.stdout, "rolled back svc in prod to 1.0.0 (was 1.1.0)")
		assertServes(t, p, "prod", "1.0.0")
		assertStatus(t, p, "prod", "1.0.0")
		newest := history(t, p, "prod").Deployments[0]
		assert.Equal(t, deployment{
			ID: newest.ID, Env: "prod", Version: "1.0.0", Previous: "1.1.0", Kind: "rollback", Outcome: "succeeded", By: "e2e",
		}, newest)
	})

	t.Run("nothing earlier than 1.0.0 to roll back to", func(t *testing.T) {
		before := history(t, p, "")
		res := bake(t, p.Dir, "rollback", "svc", "--env", "prod", "--yes")
		assert.Equal(t, 3, res.code, res.String())
		assert.Contains(t, res.stderr, "nothing to roll back to")
		assert.Equal(t, before, history(t, p, ""), "a refused rollback records nothing")
		assertServes(t, p, "prod", "1.0.0")
	})

	t.Run("rollback dev to a named version", func(t *testing.T) {
		res := mustBake(t, p.Dir, "rollback", "svc", "--env", "dev", "--to", "1.0.0")
		assert.Contains(t, res.stdout, "rolled back svc in dev to 1.0.0 (was 1.1.0)")
		assertServes(t, p, "dev", "1.0.0")
		assertStatus(t, p, "dev", "1.0.0")
	})

	t.Run("rollback to what already runs changes nothing", func(t *testing.T) {
		before := history(t, p, "")
		res := mustBake(t, p.Dir, "rollback", "svc", "--env", "dev", "--to", "1.0.0")
		assert.Contains(t, res.stdout, "dev already runs svc@1.0.0")
		assert.Equal(t, before, history(t, p, ""))
		assertServes(t, p, "dev", "1.0.0")
	})

	t.Run("rollback to a version that never ran there", func(t *testing.T) {
		res := bake(t, p.Dir, "rollback", "svc", "--env", "dev", "--to", "9.9.9")
		assert.Equal(t, 2, res.code, res.String())
		assert.Contains(t, res.stderr, "9.9.9")
		assertServes(t, p, "dev", "1.0.0")
	})

	// qa was never rolled back: it still runs 1.1.0.
	assertServes(t, p, "qa", "1.1.0")
	assertStatus(t, p, "qa", "1.1.0")
	h := history(t, p, "")
	require.Len(t, h.Deployments, 8, "6 promotions and 2 rollbacks")
	for _, d := range h.Deployments {
		assert.Equal(t, "succeeded", d.Outcome, "deployment %d", d.ID)
	}
}
