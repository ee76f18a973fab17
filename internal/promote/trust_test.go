package promote

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/artifact"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/sqlite"
	"github.com/bakehq/bake/internal/signing"
	"github.com/bakehq/bake/internal/signing/keys"
	"github.com/bakehq/bake/internal/targets"
)

// unwatchable deploys, and every release it watches turns unhealthy.
type unwatchable struct{ deployed []string }

func (u *unwatchable) Deploy(_ context.Context, req targets.Request) ([]targets.Replica, error) {
	u.deployed = append(u.deployed, req.Release.Version)
	return nil, nil
}
func (u *unwatchable) Retire(context.Context, targets.Request, string) error { return nil }
func (u *unwatchable) Watch(context.Context, targets.Request, []targets.Replica, time.Duration) error {
	return errors.New("healthz answered 500")
}

// signingFixture is a project whose bake.yaml trusts one key, a ledger, and
// releases of web signed with that key.
type signingFixture struct {
	p      *config.Project
	store  ledger.Store
	signer *signing.Signer
}

func newSigningFixture(t *testing.T) *signingFixture {
	t.Helper()
	store, err := sqlite.Open(context.Background(), t.TempDir()+"/ledger.db")
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	priv, err := keys.GenerateKey()
	require.NoError(t, err)
	s := signing.NewSigner(priv, "test")
	p := project()
	p.Signing.PublicKeys = []keys.PublicKey{{Key: s.Public(), ID: s.ID, File: "/p/keys/release.pub"}}
	return &signingFixture{p: p, store: store, signer: s}
}

// record records web@version, signed unless unsigned.
func (f *signingFixture) record(t *testing.T, version string, unsigned bool) ledger.Release {
	t.Helper()
	rel := ledger.Release{Image: "web", Version: version, Digest: testDigest(version), Reference: testRef(version),
		Status: ledger.StatusValidated, CreatedAt: time.Now().UTC(), CreatedBy: "ci"}
	if !unsigned {
		var err error
		rel, err = f.signer.Seal(rel)
		require.NoError(t, err)
	}
	require.NoError(t, f.store.PutRelease(context.Background(), rel))
	got, err := f.store.Release(context.Background(), "web", version)
	require.NoError(t, err)
	return got
}

func TestTrustGates(t *testing.T) {
	f := newSigningFixture(t)
	ctx := context.Background()
	rel := f.record(t, "1.0.0", false)

	require.NoError(t, checkPolicy(ctx, f.p, f.store, rel, "dev"))
	gates, err := Gates(ctx, f.p, f.store, rel, "dev")
	require.NoError(t, err)
	assert.Equal(t, []Gate{
		{Name: "validated", Passed: true, Detail: "web@1.0.0 passed validation"},
		{Name: "signed", Passed: true, Detail: "web@1.0.0 is signed by " + keys.ShortID(f.signer.ID) + " (/p/keys/release.pub)"},
		{Name: "digest", Passed: true, Detail: "web@1.0.0 deploys " + testRef("1.0.0") + ", as its digest names"},
	}, gates[:3])

	// What an edit of the ledger row does: any field, here the status or the digest.
	for name, edit := range map[string]func(*ledger.Release){
		"status": func(r *ledger.Release) { r.Status = ledger.StatusFailed },
		"digest": func(r *ledger.Release) { r.Digest = testDigest("other") },
	} {
		tampered := rel
		edit(&tampered)
		err := checkPolicy(ctx, f.p, f.store, tampered, "dev")
		require.ErrorIs(t, err, ErrRefused, name)
		require.ErrorIs(t, err, signing.ErrBadSignature, name)
		var untrusted *UntrustedError
		require.ErrorAs(t, err, &untrusted)
		assert.Equal(t, "web@1.0.0", untrusted.Release)
		assert.Contains(t, err.Error(), "refusing web@1.0.0: its signature does not match the record (the ledger entry was changed after it was signed)")
	}
	tampered := rel
	tampered.Digest = testDigest("other")
	assert.ErrorIs(t, checkPolicy(ctx, f.p, f.store, tampered, "dev"), artifact.ErrMismatch, "a changed digest is named twice: signature and digest")

	unsigned := f.record(t, "1.1.0", true)
	err = checkPolicy(ctx, f.p, f.store, unsigned, "dev")
	require.ErrorIs(t, err, signing.ErrUnsigned)
	assert.Contains(t, err.Error(), "refusing web@1.1.0: it is not signed")

	// Without public keys, signatures are not checked; digests always are.
	f.p.Signing.PublicKeys = nil
	require.NoError(t, checkPolicy(ctx, f.p, f.store, unsigned, "dev"))
	err = checkPolicy(ctx, f.p, f.store, tampered, "dev")
	require.ErrorIs(t, err, artifact.ErrMismatch)
	require.ErrorIs(t, err, ErrRefused)
	assert.NotErrorIs(t, err, signing.ErrBadSignature)
}

// A release that failed validation was never published: it is refused for
// that, not as untrusted.
func TestFailedReleaseIsRefusedForFailing(t *testing.T) {
	f := newSigningFixture(t)
	failed, err := f.signer.Seal(ledger.Release{Image: "web", Version: "1.0.0", Status: ledger.StatusFailed, CreatedAt: time.Now().UTC()})
	require.NoError(t, err)
	err = checkPolicy(context.Background(), f.p, f.store, failed, "dev")
	require.ErrorIs(t, err, ErrRefused)
	var untrusted *UntrustedError
	assert.False(t, errors.As(err, &untrusted), "%v", err)
	assert.Contains(t, err.Error(), "validated: web@1.0.0 failed validation and can never be promoted")
}

// TestExecuteRefusesUntrusted: promote and rollback both go through
// Execute, which refuses before it locks or records anything.
func TestExecuteRefusesUntrusted(t *testing.T) {
	f := newSigningFixture(t)
	ctx := context.Background()
	unsigned := f.record(t, "1.0.0", true)
	env, _ := f.p.Environment("dev")
	tgt := &unwatchable{}
	d := &Engine{Project: f.p, Store: f.store, Target: tgt, User: "ann", Operation: "op1"}
	for _, kind := range []string{ledger.KindPromote, ledger.KindRollback} {
		_, err := d.Execute(ctx, kind, env, unsigned)
		require.ErrorIs(t, err, ErrRefused, kind)
		require.ErrorIs(t, err, signing.ErrUnsigned, kind)
	}
	assert.Empty(t, tgt.deployed, "nothing deployed")
	deps, err := f.store.Deployments(ctx, "web", "")
	require.NoError(t, err)
	assert.Empty(t, deps, "nothing recorded")
	_, err = f.store.Holder(ctx, LockKey("dev"))
	assert.ErrorIs(t, err, ledger.ErrNotFound, "never locked")
}

// TestRevertRefusesUntrusted: after a failed health watch, bake does not
// switch back to a release it could not promote: here one recorded before
// bake.yaml required signatures.
func TestRevertRefusesUntrusted(t *testing.T) {
	f := newSigningFixture(t)
	ctx := context.Background()
	old := f.record(t, "1.0.0", true)
	next := f.record(t, "1.1.0", false)
	env, _ := f.p.Environment("dev")
	tgt := &unwatchable{}
	d := &Engine{Project: f.p, Store: f.store, Target: tgt, User: "ann", Operation: "op1"}

	keys := f.p.Signing.PublicKeys
	f.p.Signing.PublicKeys = nil
	_, err := d.Execute(ctx, ledger.KindPromote, env, old)
	require.NoError(t, err, "1.0.0 deployed before signatures were required")

	f.p.Signing.PublicKeys = keys
	watched := *env.Targets["web"]
	watched.Watch = time.Second
	env.Targets = map[string]*config.Target{"web": &watched}
	_, err = d.Execute(ctx, ledger.KindPromote, env, next)
	require.ErrorIs(t, err, ErrFailed)
	assert.Contains(t, err.Error(), "not switching back: refusing web@1.0.0: it is not signed")
	assert.Contains(t, err.Error(), `"dev" still runs web@1.1.0`)
	assert.Equal(t, []string{"1.0.0", "1.1.0"}, tgt.deployed, "1.0.0 was not deployed again")
	cur, err := f.store.Current(ctx, "web", "dev")
	require.NoError(t, err)
	assert.Equal(t, "1.1.0", cur.Version)
}
