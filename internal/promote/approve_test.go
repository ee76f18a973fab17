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

func TestApproveAndRevoke(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir()+"/ledger.db")
	require.NoError(t, err)
	defer store.Close()
	good := ledger.Release{Image: "web", Version: "1.0.0", Digest: testDigest("a"), Reference: testRef("a"), Status: ledger.StatusValidated, CreatedAt: time.Now()}
	failed := ledger.Release{Image: "web", Version: "1.1.0", Status: ledger.StatusFailed, CreatedAt: time.Now()}
	bad := ledger.Release{Image: "web", Version: "1.2.0", Digest: testDigest("c"), Reference: testRef("c"), Status: ledger.StatusValidated, CreatedAt: time.Now()}
	for _, r := range []ledger.Release{good, failed, bad} {
		require.NoError(t, store.PutRelease(ctx, r))
	}
	p := project()
	p.Environments[2].Gates.Approval = true // prod
	approval := func(r ledger.Release, env, by string) ledger.Approval {
		return ledger.Approval{Image: r.Image, Version: r.Version, Env: env, By: by, At: time.Now()}
	}

	_, _, err = Approve(ctx, p, store, good, approval(good, "qa", "ann"))
	require.ErrorIs(t, err, ErrUnknown, "qa asks for no approval")
	_, _, err = Approve(ctx, p, store, good, approval(good, "staging", "ann"))
	require.ErrorIs(t, err, ErrUnknown)
	_, _, err = Approve(ctx, p, store, failed, approval(failed, "prod", "ann"))
	require.ErrorIs(t, err, ErrRefused, "a failed release can never enter")

	require.NoError(t, Revoke(ctx, p, store, ledger.Revocation{Image: "web", Version: "1.2.0", Reason: "CVE", By: "sec"}))
	_, _, err = Approve(ctx, p, store, bad, approval(bad, "prod", "ann"))
	require.ErrorIs(t, err, ErrRefused)
	assert.Contains(t, err.Error(), "CVE")
	err = Revoke(ctx, p, store, ledger.Revocation{Image: "web", Version: "1.2.0", Reason: "again", By: "bob"})
	require.ErrorIs(t, err, ledger.ErrExists)
	assert.Contains(t, err.Error(), "web@1.2.0 is already revoked, by sec at ")
	assert.Contains(t, err.Error(), ": CVE")

	first, already, err := Approve(ctx, p, store, good, approval(good, "prod", "ann"))
	require.NoError(t, err)
	assert.False(t, already)
	again, already, err := Approve(ctx, p, store, good, approval(good, "prod", "bob"))
	require.NoError(t, err)
	assert.True(t, already)
	assert.Equal(t, "ann", again.By, "the first approval stands")
	assert.Equal(t, first.Env, again.Env)
	as, err := store.Approvals(ctx, "web", "1.0.0")
	require.NoError(t, err)
	assert.Len(t, as, 1, "no duplicate is stored")
}
