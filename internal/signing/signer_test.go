package signing

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/signing/keys"
)

// writeKey writes a new private key to dir/name and returns its PEM text and id.
func writeKey(t *testing.T, dir, name string) (string, string) {
	t.Helper()
	priv, pub := newKey(t)
	data, err := keys.EncodePrivateKey(priv)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o600))
	return string(data), pub.ID
}

func TestLoadSignerOrder(t *testing.T) {
	dir := t.TempDir()
	envText, envID := writeKey(t, dir, "env.key")
	fileKey := filepath.Join(dir, "file.key")
	_, fileID := writeKey(t, dir, "file.key")
	configured := filepath.Join(dir, "configured.key")
	_, configuredID := writeKey(t, dir, "configured.key")

	s, err := LoadSigner(envText, fileKey, configured)
	require.NoError(t, err)
	assert.Equal(t, envID, s.ID)
	assert.Equal(t, EnvKey, s.From)

	s, err = LoadSigner("", fileKey, configured)
	require.NoError(t, err)
	assert.Equal(t, fileID, s.ID)
	assert.Equal(t, fileKey+" ("+EnvKeyFile+")", s.From)

	s, err = LoadSigner("", "", configured)
	require.NoError(t, err)
	assert.Equal(t, configuredID, s.ID)

	s, err = LoadSigner("", "", "")
	require.NoError(t, err)
	assert.Nil(t, s, "no key anywhere: releases are recorded unsigned")
}

func TestLoadSignerErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.key")

	_, err := LoadSigner("", missing, "")
	require.ErrorIs(t, err, keys.ErrInvalidKey)
	assert.Equal(t, "reading the signing key "+missing+" ("+EnvKeyFile+"): no such file or directory", err.Error())

	_, err = LoadSigner("", "/dev/zero", "")
	require.ErrorIs(t, err, keys.ErrInvalidKey)
	assert.Equal(t, "reading the signing key /dev/zero ("+EnvKeyFile+"): is not a regular file", err.Error())

	_, err = LoadSigner("", "", missing)
	require.ErrorIs(t, err, keys.ErrInvalidKey)
	assert.Equal(t, "reading the signing key "+missing+" (signing.key in bake.yaml): no such file or directory; run `bake keygen` to make one, or set "+EnvKey, err.Error())

	_, err = LoadSigner("-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----\n", "", "")
	require.ErrorIs(t, err, keys.ErrInvalidKey)
	assert.Contains(t, err.Error(), "reading the signing key "+EnvKey+": it is not a PKCS #8 private key")
	assert.NotContains(t, err.Error(), "c2VjcmV0", "never quotes the key")
}

func TestSealSignsWhatIsRecorded(t *testing.T) {
	priv, pub := newKey(t)
	s := NewSigner(priv, "test")
	rel := sampleRelease()
	rel.CreatedAt = time.Time{}
	sealed, err := s.Seal(rel)
	require.NoError(t, err)
	assert.False(t, sealed.CreatedAt.IsZero(), "the time the ledger would record is the time signed")
	assert.Equal(t, pub.ID, sealed.SigningKey)
	assert.Equal(t, pub.ID, s.ID)
	require.NoError(t, Verify([]keys.PublicKey{pub}, sealed))
}
