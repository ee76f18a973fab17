package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRollbackAfterRepromotion: a release a rollback moved away from is the
// previous good release again once it was deployed successfully later, a
// revoked release is never a rollback target, and `rollback IMAGE@VERSION`
// means `rollback IMAGE --to VERSION`.
func TestRollbackAfterRepromotion(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0"} {
		p.release(t, v)
	}
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")
	res := mustBake(t, p.Dir, "rollback", "svc", "--env", "dev", "--yes")
	assert.Contains(t, res.stdout, "rolled back svc in dev to 1.0.0 (was 1.1.0)")
	mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")
	mustBake(t, p.Dir, "promote", "svc@1.2.0", "--to", "dev")

	res = mustBake(t, p.Dir, "rollback", "svc", "--env", "dev", "--yes")
	assert.Contains(t, res.stdout, "rolled back svc in dev to 1.1.0 (was 1.2.0)", "1.1.0 ran just before 1.2.0")
	assertServes(t, p, "dev", "1.1.0")

	res = mustBake(t, p.Dir, "rollback", "svc", "--env", "dev", "--yes")
	assert.Contains(t, res.stdout, "rolled back svc in dev to 1.0.0 (was 1.1.0)", "a second rollback goes further back")
	assertServes(t, p, "dev", "1.0.0")

	res = bake(t, p.Dir, "rollback", "svc", "--env", "dev", "--yes")
	assert.Equal(t, 3, res.code, res.String())
	assert.Contains(t, res.stderr, "nothing to roll back to")

	t.Run("a revoked release is never a rollback target", func(t *testing.T) {
		mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")
		mustBake(t, p.Dir, "promote", "svc@1.2.0", "--to", "dev")
		mustBake(t, p.Dir, "revoke", "--yes", "svc@1.1.0", "--reason", "leaks memory")
		before := history(t, p, "")

		for _, args := range [][]string{{"svc@1.1.0", "--env", "dev"}, {"svc", "--env", "dev", "--to", "1.1.0"}} {
			res := bake(t, p.Dir, append([]string{"rollback"}, args...)...)
			assert.Equal(t, 3, res.code, res.String())
			assert.Contains(t, res.stderr, "leaks memory")
			assert.Contains(t, res.stderr, "revoked")
		}
		assert.Equal(t, before, history(t, p, ""), "a refused rollback records nothing")
		assertServes(t, p, "dev", "1.2.0")

		res := mustBake(t, p.Dir, "rollback", "svc", "--env", "dev", "--yes")
		assert.Contains(t, res.stderr, "skipping svc@1.1.0: was revoked by e2e")
		assert.Contains(t, res.stdout, "rolled back svc in dev to 1.0.0 (was 1.2.0)")
		assertServes(t, p, "dev", "1.0.0")
	})

	t.Run("gc keeps no revoked release as a rollback candidate", func(t *testing.T) {
		var doc gcDoc
		decodeOne(t, mustBake(t, p.Dir, "gc", "--dry-run", "-o", "json").stdout, &doc)
		for _, k := range doc.Kept {
			if k.Version == "1.1.0" {
				for _, why := range k.Reasons {
					assert.NotContains(t, why, "rollback candidate", "svc@1.1.0 is revoked")
				}
			}
		}
	})

	t.Run("IMAGE@VERSION names the version", func(t *testing.T) {
		res := mustBake(t, p.Dir, "rollback", "svc@1.2.0", "--env", "dev")
		assert.Contains(t, res.stdout, "rolled back svc in dev to 1.2.0 (was 1.0.0)")
		res = bake(t, p.Dir, "rollback", "svc@1.0.0", "--env", "dev", "--to", "1.2.0")
		assert.Equal(t, 2, res.code, res.String())
	})
}
