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

// TestRollbackTargets: the versions listed are exactly those ChooseRollback
// accepts as --to and that would change what runs.
func TestRollbackTargets(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir()+"/ledger.db")
	require.NoError(t, err)
	defer store.Close()
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0"} {
		require.NoError(t, store.PutRelease(ctx, ledger.Release{Image: "web", Version: v, Digest: testDigest(v), Reference: testRef(v),
			Status: ledger.StatusValidated, CreatedAt: time.Now()}))
	}
	record := func(env, version, outcome string) {
		now := time.Now()
		_, err := store.AppendDeployment(ctx, ledger.Deployment{Env: env, Image: "web", Version: version, Digest: testDigest(version),
			Kind: ledger.KindPromote, Outcome: outcome, By: "t", StartedAt: now, FinishedAt: now})
		require.NoError(t, err)
	}
	record("prod", "1.0.0", ledger.OutcomeSucceeded)
	record("prod", "1.1.0", ledger.OutcomeSucceeded)
	record("prod", "1.0.0", ledger.OutcomeSucceeded) // ran twice: listed once
	record("prod", "1.4.0", ledger.OutcomeFailed)    // never succeeded there
	record("prod", "1.2.0", ledger.OutcomeSucceeded)
	record("prod", "1.3.0", ledger.OutcomeSucceeded) // what prod runs now
	record("dev", "1.4.0", ledger.OutcomeSucceeded)  // another environment
	require.NoError(t, store.Revoke(ctx, ledger.Revocation{Image: "web", Version: "1.1.0", Reason: "leaks memory", By: "sec"}))

	deps, err := RollbackTargets(ctx, store, "web", "prod")
	require.NoError(t, err)
	var versions []string
	for _, d := range deps {
		versions = append(versions, d.Version)
	}
	assert.Equal(t, []string{"1.2.0", "1.0.0"}, versions, "newest first, without what runs, the revoked and the failed")

	for _, v := range versions {
		c, err := ChooseRollback(ctx, store, "web", "prod", v)
		require.NoError(t, err, "--to %s", v)
		assert.Equal(t, v, c.Target.Version)
	}
	for _, v := range []string{"1.1.0", "1.4.0"} {
		_, err := ChooseRollback(ctx, store, "web", "prod", v)
		assert.Error(t, err, "--to %s is refused, so it is not listed", v)
	}

	deps, err = RollbackTargets(ctx, store, "web", "qa")
	require.NoError(t, err)
	assert.Empty(t, deps, "nothing ran in qa")
}
