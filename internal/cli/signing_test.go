package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/sqlite"
	"github.com/bakehq/bake/internal/secret"
	"github.com/bakehq/bake/internal/signing"
	"github.com/bakehq/bake/internal/signing/keys"
)

// TestStoreSignsWhatItRecords: the Factory's ledger signs a release after
// secret values are redacted from it, so the signature covers what is
// recorded and verifies when read back.
func TestStoreSignsWhatItRecords(t *testing.T) {
	ctx := context.Background()
	priv, err := keys.GenerateKey()
	require.NoError(t, err)
	pem, err := keys.EncodePrivateKey(priv)
	require.NoError(t, err)
	s := signing.NewSigner(priv, "test")
	f := &Factory{
		project: &config.Project{Signing: config.Signing{
			PublicKeys: []keys.PublicKey{{Key: s.Public(), ID: s.ID}},
		}},
		signingKey: string(pem),
		redactor:   secret.NewRedactor("s3cr3t-value"),
	}
	raw, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"))
	require.NoError(t, err)
	defer raw.Close()
	store := ledger.Redacting(ledger.Signing(raw, f.sealer), f.redactor)

	digest := "sha256:" + strings.Repeat("1f", 32)
	rel := ledger.Release{Image: "web", Version: "1.0.0", Digest: digest, Reference: "r/web@" + digest,
		Status: ledger.StatusValidated, CreatedBy: "ci",
		Checks: []ledger.CheckResult{{Name: "env", Kind: "command", Passed: true, Detail: "printed s3cr3t-value", Duration: time.Second}}}
	require.NoError(t, store.PutRelease(ctx, rel))

	got, err := raw.Release(ctx, "web", "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, "printed [secret]", got.Checks[0].Detail)
	assert.Equal(t, s.ID, got.SigningKey)
	assert.NoError(t, signing.Verify(f.project.Signing.PublicKeys, got))
}
