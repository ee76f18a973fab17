package promote

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/sqlite"
)

// rollbackSteps records succeeded promotes of versions, oldest first, as
// deployments listed newest first.
func rollbackSteps(steps ...string) []ledger.Deployment {
	var deps []ledger.Deployment
	running := ""
	for _, s := range steps {
		v := s[2:]
		deps = append([]ledger.Deployment{{Version: v, Previous: running, Kind: ledger.KindPromote, Outcome: ledger.OutcomeSucceeded}}, deps...)
		running = v
	}
	return deps
}

func TestChooseRollback(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir()+"/ledger.db")
	require.NoError(t, err)
	defer store.Close()
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0", "1.3.0"} {
		require.NoError(t, store.PutRelease(ctx, ledger.Release{Image: "web", Version: v, Digest: testDigest(v), Reference: testRef(v),
			Status: ledger.StatusValidated, CreatedAt: time.Now()}))
	}
	steps := rollbackSteps("p 1.0.0", "p 1.1.0", "p 1.2.0", "p 1.3.0")
	for i := len(steps) - 1; i >= 0; i-- {
		d := steps[i]
		d.ID, d.Env, d.Image, d.Digest, d.By, d.StartedAt, d.FinishedAt = 0, "prod", "web", testDigest(d.Version), "t", time.Now(), time.Now()
		_, err := store.AppendDeployment(ctx, d)
		require.NoError(t, err)
	}
	require.NoError(t, store.Revoke(ctx, ledger.Revocation{Image: "web", Version: "1.2.0", Reason: "leaks memory", By: "sec"}))

	c, err := ChooseRollback(ctx, store, "web", "prod", "")
	require.NoError(t, err)
	assert.Equal(t, "1.1.0", c.Target.Version, "the revoked 1.2.0 is passed over")
	require.Len(t, c.Skipped, 1)
	assert.Contains(t, c.Skipped[0], "1.2.0: was revoked by sec")
	assert.Contains(t, c.Skipped[0], "leaks memory")

	_, err = ChooseRollback(ctx, store, "web", "prod", "1.2.0")
	require.ErrorIs(t, err, ErrRefused, "--to a revoked release is refused")
	assert.Contains(t, err.Error(), "leaks memory")

	c, err = ChooseRollback(ctx, store, "web", "prod", "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, "1.0.0", c.Target.Version)

	_, err = ChooseRollback(ctx, store, "web", "prod", "0.9.0")
	require.ErrorIs(t, err, ledger.ErrNotFound)
	assert.EqualError(t, err, "web@0.9.0 is not recorded: `bake history web` lists its releases")

	require.NoError(t, store.PutRelease(ctx, ledger.Release{Image: "web", Version: "1.4.0", Digest: testDigest("1.4.0"),
		Reference: testRef("1.4.0"), Status: ledger.StatusValidated, CreatedAt: time.Now()}))
	_, err = ChooseRollback(ctx, store, "web", "prod", "1.4.0")
	require.ErrorIs(t, err, ErrNeverRan)
	assert.EqualError(t, err, `web@1.4.0 never ran in "prod" successfully, so it is no rollback target: `+
		"`bake history web --env prod` lists what did")

	_, err = ChooseRollback(ctx, store, "web", "dev", "")
	require.ErrorIs(t, err, ErrNothingToRollBack)
	require.ErrorIs(t, err, ErrRefused)

	for _, v := range []string{"1.0.0", "1.1.0"} {
		require.NoError(t, store.Revoke(ctx, ledger.Revocation{Image: "web", Version: v, Reason: "bad", By: "sec"}))
	}
	_, err = ChooseRollback(ctx, store, "web", "prod", "")
	require.ErrorIs(t, err, ErrNothingToRollBack)
	assert.Contains(t, err.Error(), "1.0.0: was revoked")
}
