package e2e

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lockDoc is `bake history -o json`'s locks and `bake lock -o json`.
type lockDoc struct {
	Env    string `json:"env"`
	Locked bool   `json:"locked"`
	Reason string `json:"reason"`
	By     string `json:"by"`
}

// TestLockRefusesPromotionsNotRollbacks: while `bake lock ENV` holds, every
// promotion into ENV is refused (exit 3) naming who, when and why, and
// records nothing; a rollback still runs; status shows the lock, history
// the lock and the unlock; after `bake unlock` promotions go ahead again.
func TestLockRefusesPromotionsNotRollbacks(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0"} {
		p.release(t, v)
	}
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")

	t.Run("bad input records nothing", func(t *testing.T) {
		for _, args := range [][]string{
			{"lock", "dev"},
			{"lock", "dev", "--reason", "  "},
			{"lock", "nowhere", "--reason", "x"},
			{"unlock", "nowhere"},
			{"lock"},
		} {
			res := bake(t, p.Dir, args...)
			assert.Equal(t, 2, res.code, res.String())
			assert.Equal(t, 1, strings.Count(res.stderr, "\n"), "one line: %s", res.stderr)
		}
		assert.Empty(t, history(t, p, "dev").Locks)
	})

	res := mustBake(t, p.Dir, "lock", "dev", "--reason", "incident 7: checkout errors")
	assert.Contains(t, res.stdout, `locked "dev": promotions are refused until `+"`bake unlock dev`")
	before := history(t, p, "")

	t.Run("a promote is refused with who, when and why", func(t *testing.T) {
		for _, args := range [][]string{
			{"promote", "svc@1.2.0", "--to", "dev"},
			{"promote", "svc@1.2.0", "--to", "dev", "--plan"},
		} {
			res := bake(t, p.Dir, args...)
			assert.Equal(t, 3, res.code, res.String())
			assert.Contains(t, res.stderr, `"dev" is locked by e2e since `)
			assert.Contains(t, res.stderr, "incident 7: checkout errors")
		}
		assert.Equal(t, before, history(t, p, ""), "a refused promote records nothing")
		assertServes(t, p, "dev", "1.1.0")
		// Another environment is not locked.
		mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "qa")
	})

	t.Run("status shows the lock", func(t *testing.T) {
		out := mustBake(t, p.Dir, "status", "svc").stdout
		assert.Contains(t, out, "dev: locked by e2e since ")
		assert.Contains(t, out, "1.1.0 (locked)")
		var doc []struct {
			Environments []struct {
				Env    string   `json:"env"`
				Locked *lockDoc `json:"locked"`
			} `json:"environments"`
		}
		decodeStatus(t, mustBake(t, p.Dir, "status", "svc", "-o", "json").stdout, &doc)
		require.Len(t, doc, 1)
		for _, es := range doc[0].Environments {
			if es.Env != "dev" {
				assert.Nil(t, es.Locked, es.Env)
				continue
			}
			require.NotNil(t, es.Locked)
			assert.Equal(t, lockDoc{Env: "dev", Locked: true, Reason: "incident 7: checkout errors", By: "e2e"}, *es.Locked)
		}
	})

	t.Run("a second lock keeps the first reason", func(t *testing.T) {
		res := mustBake(t, p.Dir, "lock", "dev", "--reason", "another")
		assert.Contains(t, res.stdout, `"dev" is already locked by e2e since `)
		assert.Contains(t, res.stdout, "incident 7: checkout errors; nothing recorded")
	})

	t.Run("a rollback still runs", func(t *testing.T) {
		res := mustBake(t, p.Dir, "rollback", "svc", "--env", "dev", "--yes")
		assert.Contains(t, res.stdout, "rolled back svc in dev to 1.0.0 (was 1.1.0)")
		assertServes(t, p, "dev", "1.0.0")
	})

	res = mustBake(t, p.Dir, "unlock", "dev")
	assert.Contains(t, res.stdout, `unlocked "dev" (locked by e2e since `)
	res = mustBake(t, p.Dir, "unlock", "dev")
	assert.Contains(t, res.stdout, `"dev" is not locked; nothing recorded`)

	t.Run("history shows the lock and the unlock", func(t *testing.T) {
		locks := history(t, p, "dev").Locks
		require.Len(t, locks, 2, "%+v", locks)
		assert.Equal(t, lockDoc{Env: "dev", Locked: false, By: "e2e"}, locks[0], "newest first")
		assert.Equal(t, lockDoc{Env: "dev", Locked: true, Reason: "incident 7: checkout errors", By: "e2e"}, locks[1])
		out := mustBake(t, p.Dir, "history", "svc", "--env", "dev").stdout
		assert.Regexp(t, `(?m)^locked\s+dev\s+e2e\s+\S+ \S+\s+incident 7: checkout errors$`, out)
		assert.Regexp(t, `(?m)^unlocked\s+dev\s+e2e\s+\S+ \S+\s+-$`, out)
		assert.Empty(t, history(t, p, "qa").Locks, "qa was never locked")
		mustBake(t, p.Dir, "verify")
	})

	res = mustBake(t, p.Dir, "promote", "svc@1.2.0", "--to", "dev")
	assert.Contains(t, res.stdout, "promoted svc in dev to 1.2.0 (was 1.0.0)")
	assertServes(t, p, "dev", "1.2.0")
}
