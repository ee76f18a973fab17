package ledger_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
)

func TestApprovalsAndRevocations(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	require.NoError(t, s.PutRelease(ctx, release("web", "1.0.0")))

	require.NoError(t, s.Approve(ctx, ledger.Approval{Image: "web", Version: "1.0.0", Env: "prod", By: "alice"}))
	require.NoError(t, s.Approve(ctx, ledger.Approval{Image: "web", Version: "1.0.0", Env: "qa", By: "bob"}))
	got, err := s.Approvals(ctx, "web", "1.0.0")
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, "alice", got[0].By)
	assert.Equal(t, "prod", got[0].Env)
	assert.False(t, got[0].At.IsZero())
	assert.ErrorIs(t, s.Approve(ctx, ledger.Approval{Image: "web", Version: "9.9.9", Env: "prod", By: "x"}), ledger.ErrNotFound)

	_, err = s.Revocation(ctx, "web", "1.0.0")
	assert.ErrorIs(t, err, ledger.ErrNotFound)
	require.NoError(t, s.Revoke(ctx, ledger.Revocation{Image: "web", Version: "1.0.0", Reason: "CVE-2026-1", By: "sec"}))
	rev, err := s.Revocation(ctx, "web", "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, "CVE-2026-1", rev.Reason)
	assert.ErrorIs(t, s.Revoke(ctx, ledger.Revocation{Image: "web", Version: "1.0.0", Reason: "again", By: "sec"}), ledger.ErrExists)
	assert.Error(t, s.Revoke(ctx, ledger.Revocation{Image: "web", Version: "1.0.0", By: "sec"}), "a reason is required")

	_, err = rawDB(t, s.Path()).ExecContext(ctx, `DELETE FROM revocations`)
	assert.ErrorContains(t, err, "revocations are final")
}
