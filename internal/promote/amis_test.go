package promote

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/artifact"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/sqlite"
)

// TestAMIsRemovedRefused: a release whose AMIs `bake gc --amis` removed is
// refused by promote's gates and as a rollback target, by name or as the
// previous good release; one with its AMIs, and a container release, pass.
func TestAMIsRemovedRefused(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir()+"/ledger.db")
	require.NoError(t, err)
	defer store.Close()
	p := project()
	amis := func(v string) map[string]string { return map[string]string{"us-east-1": "ami-" + v} }
	for _, v := range []string{"1.0.0", "1.1.0"} {
		require.NoError(t, store.PutRelease(ctx, ledger.Release{Image: "web", Version: v, Digest: artifact.AMIDigest(amis(v)),
			AMIs: amis(v), Status: ledger.StatusValidated, CreatedAt: time.Now()}))
		_, err := store.AppendDeployment(ctx, ledger.Deployment{Env: "dev", Image: "web", Version: v, Digest: artifact.AMIDigest(amis(v)),
			Kind: ledger.KindPromote, Outcome: ledger.OutcomeSucceeded, StartedAt: time.Now(), FinishedAt: time.Now(), By: "t"})
		require.NoError(t, err)
	}
	old, err := store.Release(ctx, "web", "1.0.0")
	require.NoError(t, err)
	require.NoError(t, checkPolicy(ctx, p, store, old, "dev"), "a release with its AMIs passes")

	require.NoError(t, store.RecordAMIRemoval(ctx, ledger.AMIRemoval{Image: "web", Version: "1.0.0", AMIs: amis("1.0.0"),
		Operation: "gc", By: "ops", At: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}))

	err = checkPolicy(ctx, p, store, old, "dev")
	require.ErrorIs(t, err, ErrRefused)
	assert.Contains(t, err.Error(), "AMIs present: web@1.0.0 cannot be deployed: its AMIs were removed by `bake gc --amis` on 2026-12-01; run `bake release web`")

	_, err = ChooseRollback(ctx, store, "web", "dev", "1.0.0")
	require.ErrorIs(t, err, ErrRefused, "--to a release without AMIs")
	assert.Contains(t, err.Error(), "its AMIs were removed")
	assert.NotContains(t, err.Error(), "rolling back", "the caller names the rollback, once")
	_, err = ChooseRollback(ctx, store, "web", "dev", "")
	require.ErrorIs(t, err, ErrRefused, "the previous good release has no AMIs")

	rel := ledger.Release{Image: "web", Version: "2.0.0", Digest: testDigest("c"), Reference: testRef("c"), Status: ledger.StatusValidated, CreatedAt: time.Now()}
	require.NoError(t, store.PutRelease(ctx, rel))
	gates, err := Gates(ctx, p, store, rel, "dev")
	require.NoError(t, err)
	for _, g := range gates {
		assert.NotEqual(t, "AMIs present", g.Name, "a container release has no AMI gate")
	}
}
