package promote

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/sqlite"
	"github.com/bakehq/bake/internal/signing"
	"github.com/bakehq/bake/internal/signing/keys"
)

func newTestSigner(t *testing.T) *signing.Signer {
	priv, err := keys.GenerateKey()
	require.NoError(t, err)
	return signing.NewSigner(priv, "test")
}

func approverOf(name string, s *signing.Signer) config.Approver {
	return config.Approver{Name: name, Key: keys.PublicKey{Key: s.Public(), ID: s.ID}}
}

// With signing.approvers, only an approval an approver signed for this
// release opens the gate, and in a protected environment not one by the
// key that signed the release. Approvals written straight into the ledger,
// or signed by anyone else, do not count.
func TestSignedApprovals(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir()+"/ledger.db")
	require.NoError(t, err)
	defer store.Close()
	ann, bob, mallory := newTestSigner(t), newTestSigner(t), newTestSigner(t)
	p := project()
	prod := p.Environments[2]
	prod.Gates.Approval, prod.Protected = true, true
	p.Signing.Approvers = []config.Approver{approverOf("ann", ann), approverOf("bob", bob)}

	// ann's key signs the release.
	rel, err := ann.Seal(ledger.Release{Image: "web", Version: "1.0.0", Digest: testDigest("a"), Reference: testRef("a"),
		Status: ledger.StatusValidated, CreatedAt: time.Now()})
	require.NoError(t, err)
	other := ledger.Release{Image: "web", Version: "1.0.0", Digest: testDigest("b")}
	require.NoError(t, store.PutRelease(ctx, rel))
	approval := func(by string) ledger.Approval {
		return ledger.Approval{Image: "web", Version: "1.0.0", Env: "prod", By: by, At: time.Now().UTC()}
	}
	seal := func(s *signing.Signer, a ledger.Approval, r ledger.Release) ledger.Approval {
		a, err := s.SealApproval(a, r)
		require.NoError(t, err)
		return a
	}
	gate := func() Gate {
		gates, err := Gates(ctx, p, store, rel, "prod")
		require.NoError(t, err)
		return gates[len(gates)-1]
	}

	forged := []struct {
		name string
		a    ledger.Approval
		want string
	}{
		{"a name alone", approval("bob"), "the approval by bob is not signed"},
		{"a key not an approver's", seal(mallory, approval("bob"), rel), "which is not an approver's key"},
		{"another approver's name", seal(mallory, approval("mallory"), rel), "which is not an approver's key"},
		{"an approver's key under another name", seal(ann, approval("bob"), rel), "was signed with ann's key"},
		{"signed for other bytes", seal(bob, approval("bob"), other), "its signature does not match"},
		{"the release signer's own", seal(ann, approval("ann"), rel), `ann approved with the key that signed web@1.0.0, and "prod" is protected`},
	}
	for _, tt := range forged {
		require.NoError(t, store.Approve(ctx, tt.a), tt.name)
		g := gate()
		assert.False(t, g.Passed, tt.name)
		assert.Contains(t, g.Detail, tt.want, tt.name)
	}

	_, _, err = Approve(ctx, p, store, rel, seal(ann, approval("ann"), rel))
	require.ErrorIs(t, err, ErrRefused, "self-approval is refused when made, too")
	_, _, err = Approve(ctx, p, store, rel, approval("bob"))
	require.ErrorIs(t, err, ErrRefused, "an unsigned approval is refused when made")

	rec, already, err := Approve(ctx, p, store, rel, seal(bob, approval("bob"), rel))
	require.NoError(t, err)
	assert.False(t, already, "the forged approvals do not count as an earlier one")
	assert.Equal(t, "bob", rec.By)
	g := gate()
	assert.True(t, g.Passed, g.Detail)
	assert.Contains(t, g.Detail, "approved by bob")

	// In an environment that is not protected, the release signer may approve.
	prod.Protected = false
	store2, err := sqlite.Open(ctx, t.TempDir()+"/ledger.db")
	require.NoError(t, err)
	defer store2.Close()
	require.NoError(t, store2.PutRelease(ctx, rel))
	_, _, err = Approve(ctx, p, store2, rel, seal(ann, approval("ann"), rel))
	require.NoError(t, err)

	// Only an approver's signed revocation is recorded.
	revocation := ledger.Revocation{Image: "web", Version: "1.0.0", Reason: "leaks", By: "bob", At: time.Now().UTC()}
	err = Revoke(ctx, p, store2, revocation)
	require.ErrorIs(t, err, ErrRefused)
	assert.Contains(t, err.Error(), "the revocation by bob is not signed")
	planted, err := mallory.SealRevocation(revocation)
	require.NoError(t, err)
	require.ErrorIs(t, Revoke(ctx, p, store2, planted), ErrRefused)
	changed, err := bob.SealRevocation(revocation)
	require.NoError(t, err)
	changed.Reason = "something else"
	err = Revoke(ctx, p, store2, changed)
	require.ErrorIs(t, err, ErrRefused)
	assert.Contains(t, err.Error(), "its signature does not match")
	_, err = store2.Revocation(ctx, "web", "1.0.0")
	require.ErrorIs(t, err, ledger.ErrNotFound, "none was recorded")
	signed, err := bob.SealRevocation(revocation)
	require.NoError(t, err)
	require.NoError(t, Revoke(ctx, p, store2, signed))
}
