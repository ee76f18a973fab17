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

func TestPins(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	_, err := s.Pin(ctx, "web", "prod")
	assert.ErrorIs(t, err, ledger.ErrNotFound)

	require.NoError(t, s.SetPin(ctx, ledger.Pin{Image: "web", Env: "prod", Version: "1.0.0", Pinned: true, Reason: "rollback", By: "ops"}))
	p, err := s.Pin(ctx, "web", "prod")
	require.NoError(t, err)
	assert.True(t, p.Pinned)
	assert.Equal(t, "1.0.0", p.Version)
	assert.Equal(t, "ops", p.By)

	require.NoError(t, s.SetPin(ctx, ledger.Pin{Image: "web", Env: "prod", Version: "1.0.0", Reason: "unpin", By: "dev"}))
	p, err = s.Pin(ctx, "web", "prod")
	require.NoError(t, err)
	assert.False(t, p.Pinned)
	assert.Equal(t, "dev", p.By)

	_, err = s.Pin(ctx, "web", "qa")
	assert.ErrorIs(t, err, ledger.ErrNotFound)
	_, err = rawDB(t, s.Path()).ExecContext(ctx, `DELETE FROM pins`)
	assert.ErrorContains(t, err, "append-only")
}
