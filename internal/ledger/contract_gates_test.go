package ledger_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
)

var gateContract = []contractTest{
	{"Approvals", testApprovals},
	{"Revocations", testRevocations},
	{"Pins", testPins},
	{"Freezes", testFreezes},
	{"AMIRemovals", testAMIRemovals},
}

func testAMIRemovals(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
	seedReleases(t, s, "web", "1.0.0", "1.1.0")

	_, err := s.AMIRemoval(ctx, "web", "1.0.0")
	assert.ErrorIs(t, err, ledger.ErrNotFound)
	amis := map[string]string{"us-east-1": "ami-1", "eu-west-1": "ami-2"}
	require.NoError(t, s.RecordAMIRemoval(ctx, ledger.AMIRemoval{Image: "web", Version: "1.0.0", AMIs: amis,
		Operation: "op-1", By: "ci", At: t0}))
	got, err := open().AMIRemoval(ctx, "web", "1.0.0")
	require.NoError(t, err, "another handle sees it")
	assert.Equal(t, amis, got.AMIs)
	assert.Equal(t, "op-1", got.Operation)
	assert.Equal(t, "ci", got.By)
	assert.Equal(t, t0, got.At.UTC())
	_, err = s.AMIRemoval(ctx, "web", "1.1.0")
	assert.ErrorIs(t, err, ledger.ErrNotFound, "only the release whose AMIs were removed")

	assert.ErrorIs(t, s.RecordAMIRemoval(ctx, ledger.AMIRemoval{Image: "web", Version: "1.0.0", AMIs: amis, By: "ci"}),
		ledger.ErrExists, "one removal per release")
	assert.ErrorIs(t, s.RecordAMIRemoval(ctx, ledger.AMIRemoval{Image: "web", Version: "9.9.9", AMIs: amis, By: "ci"}),
		ledger.ErrNotFound, "the release must be recorded")
	assert.ErrorContains(t, s.RecordAMIRemoval(ctx, ledger.AMIRemoval{Image: "web", Version: "1.1.0", By: "ci"}),
		"its AMIs and who removed them are required")

	var refused *ledger.AMIsRemovedError
	err = error(&ledger.AMIsRemovedError{Removal: got})
	require.ErrorAs(t, err, &refused)
	assert.ErrorIs(t, err, ledger.ErrAMIsRemoved)
	assert.Equal(t, "web@1.0.0 cannot be deployed: its AMIs were removed by `bake gc --amis` on 2025-03-01; "+
		"run `bake release web` to build the image anew", err.Error())
}

func testApprovals(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
	seedReleases(t, s, "web", "1.0.0", "1.1.0")

	got, err := s.Approvals(ctx, "web", "1.0.0")
	require.NoError(t, err)
	assert.NotNil(t, got)
	assert.Empty(t, got)

	require.NoError(t, s.Approve(ctx, ledger.Approval{Image: "web", Version: "1.0.0", Env: "prod", By: "alice"}))
	require.NoError(t, s.Approve(ctx, ledger.Approval{Image: "web", Version: "1.0.0", Env: "qa", By: "bob",
		Signature: "c2lnbmVk", SigningKey: "sha256:bob"}))
	require.NoError(t, s.Approve(ctx, ledger.Approval{Image: "web", Version: "1.1.0", Env: "prod", By: "carol"}))
	got, err = s.Approvals(ctx, "web", "1.0.0")
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, "alice", got[0].By, "oldest first")
	assert.Equal(t, "prod", got[0].Env)
	assert.Equal(t, "web", got[0].Image)
	assert.Equal(t, "1.0.0", got[0].Version)
	assert.False(t, got[0].At.IsZero())
	assert.Equal(t, "bob", got[1].By)
	assert.Empty(t, got[0].Signature, "unsigned")
	assert.Equal(t, "c2lnbmVk", got[1].Signature, "the signature is kept as recorded")
	assert.Equal(t, "sha256:bob", got[1].SigningKey)

	assert.ErrorIs(t, s.Approve(ctx, ledger.Approval{Image: "web", Version: "9.9.9", Env: "prod", By: "x"}), ledger.ErrNotFound)
	assert.ErrorContains(t, s.Approve(ctx, ledger.Approval{Image: "web", Version: "1.0.0", Env: "prod"}), "approver are required")
	got, err = s.Approvals(ctx, "web", "9.9.9")
	require.NoError(t, err)
	assert.Empty(t, got)
}

func testRevocations(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
	seedReleases(t, s, "web", "1.0.0")

	_, err := s.Revocation(ctx, "web", "1.0.0")
	assert.ErrorIs(t, err, ledger.ErrNotFound)
	require.NoError(t, s.Revoke(ctx, ledger.Revocation{Image: "web", Version: "1.0.0", Reason: "CVE-2026-1", By: "sec",
		Signature: "c2lnbmVk", SigningKey: "sha256:sec"}))
	rev, err := s.Revocation(ctx, "web", "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, "CVE-2026-1", rev.Reason)
	assert.Equal(t, "sec", rev.By)
	assert.Equal(t, "c2lnbmVk", rev.Signature, "the signature is kept as recorded")
	assert.Equal(t, "sha256:sec", rev.SigningKey)
	assert.False(t, rev.At.IsZero())

	assert.ErrorIs(t, s.Revoke(ctx, ledger.Revocation{Image: "web", Version: "1.0.0", Reason: "again", By: "sec"}), ledger.ErrExists)
	rev, err = s.Revocation(ctx, "web", "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, "CVE-2026-1", rev.Reason, "the first revocation stays")

	assert.Error(t, s.Revoke(ctx, ledger.Revocation{Image: "web", Version: "1.0.0", By: "sec"}), "a reason is required")
	assert.ErrorIs(t, s.Revoke(ctx, ledger.Revocation{Image: "web", Version: "9.9.9", Reason: "x", By: "sec"}), ledger.ErrNotFound)
}

func testPins(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
	_, err := s.Pin(ctx, "web", "prod")
	assert.ErrorIs(t, err, ledger.ErrNotFound)

	require.NoError(t, s.SetPin(ctx, ledger.Pin{Image: "web", Env: "prod", Version: "1.0.0", Pinned: true, Reason: "rollback", By: "ops"}))
	p, err := s.Pin(ctx, "web", "prod")
	require.NoError(t, err)
	assert.True(t, p.Pinned)
	assert.Equal(t, "1.0.0", p.Version)
	assert.Equal(t, "ops", p.By)
	assert.Equal(t, "rollback", p.Reason)
	assert.False(t, p.At.IsZero())

	require.NoError(t, s.SetPin(ctx, ledger.Pin{Image: "web", Env: "prod", Version: "1.0.0", Reason: "unpin", By: "dev"}))
	p, err = s.Pin(ctx, "web", "prod")
	require.NoError(t, err)
	assert.False(t, p.Pinned, "the latest record wins")
	assert.Equal(t, "dev", p.By)

	_, err = s.Pin(ctx, "web", "qa")
	assert.ErrorIs(t, err, ledger.ErrNotFound)
	assert.Error(t, s.SetPin(ctx, ledger.Pin{Image: "web", Env: "prod", Version: "1.0.0"}), "who is required")
}

func testFreezes(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
	fs, err := s.Freezes(ctx, "prod")
	require.NoError(t, err)
	assert.Empty(t, fs)
	inForce, err := ledger.FreezeInForce(ctx, s, "prod")
	require.NoError(t, err)
	assert.Nil(t, inForce)

	require.NoError(t, s.SetFreeze(ctx, ledger.Freeze{Env: "prod", Locked: true, Reason: "incident 42", By: "ana"}))
	require.NoError(t, s.SetFreeze(ctx, ledger.Freeze{Env: "qa", Locked: true, Reason: "load test", By: "bo", At: t0}))
	inForce, err = ledger.FreezeInForce(ctx, open(), "prod")
	require.NoError(t, err)
	require.NotNil(t, inForce, "another handle sees the lock")
	assert.Equal(t, "ana", inForce.By)
	assert.Equal(t, "incident 42", inForce.Reason)
	assert.False(t, inForce.At.IsZero(), "stamped with the time")

	require.NoError(t, s.SetFreeze(ctx, ledger.Freeze{Env: "prod", By: "bo"}))
	inForce, err = ledger.FreezeInForce(ctx, s, "prod")
	require.NoError(t, err)
	assert.Nil(t, inForce, "the latest record wins")
	fs, err = s.Freezes(ctx, "prod")
	require.NoError(t, err)
	require.Len(t, fs, 2, "the lock stays in history after the unlock")
	assert.True(t, fs[0].Locked)
	assert.False(t, fs[1].Locked)
	assert.Equal(t, "bo", fs[1].By)

	qa, err := s.Freezes(ctx, "qa")
	require.NoError(t, err)
	require.Len(t, qa, 1)
	assert.Equal(t, t0, qa[0].At.UTC())

	assert.Error(t, s.SetFreeze(ctx, ledger.Freeze{Env: "prod", Locked: true, By: "ana"}), "a reason is required")
	assert.Error(t, s.SetFreeze(ctx, ledger.Freeze{Env: "prod", Locked: true, Reason: "x"}), "who is required")
	fs, err = s.Freezes(ctx, "prod")
	require.NoError(t, err)
	assert.Len(t, fs, 2, "a refused record is not recorded")
}
