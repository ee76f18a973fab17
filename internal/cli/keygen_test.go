package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/signing/keys"
)

// runIn runs one bake command in-process against dir/bake.yaml.
func runIn(t *testing.T, dir string, args ...string) (stdout string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	f := &Factory{Out: &out, Err: &errOut}
	defer f.Close()
	root := NewRootCmd(f)
	root.SetArgs(append([]string{"--config", filepath.Join(dir, "bake.yaml")}, args...))
	_, err = root.ExecuteContextC(context.Background())
	return out.String(), err
}

func TestKeygen(t *testing.T) {
	dir := t.TempDir()
	out, err := runIn(t, dir, "keygen")
	require.NoError(t, err)
	priv, pub := filepath.Join(dir, ".bake", "signing.key"), filepath.Join(dir, ".bake", "signing.key.pub")

	st, err := os.Stat(priv)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	privPEM, err := os.ReadFile(priv)
	require.NoError(t, err)
	key, err := keys.ParsePrivateKey(privPEM)
	require.NoError(t, err)
	pubPEM, err := os.ReadFile(pub)
	require.NoError(t, err)
	pubKey, err := keys.ParsePublicKey(pubPEM)
	require.NoError(t, err)
	assert.True(t, pubKey.Equal(key.Public()), "PATH.pub is the public half of PATH")

	id := keys.KeyID(pubKey)
	assert.Contains(t, out, "key id "+id+"\n")
	assert.Contains(t, out, "  signing:\n    key: .bake/signing.key\n    public_keys: [.bake/signing.key.pub]\n")
	assert.Contains(t, out, "added .bake/ to ")
	ignore, err := os.ReadFile(filepath.Join(dir, ".gitignore"))
	require.NoError(t, err)
	assert.Contains(t, string(ignore), "\n.bake/\n", "the default key is never committed")

	_, err = runIn(t, dir, "keygen")
	require.ErrorIs(t, err, ErrUsage)
	assert.Contains(t, err.Error(), "signing.key already exists: use --force to replace it")
	same, err := os.ReadFile(priv)
	require.NoError(t, err)
	assert.Equal(t, privPEM, same, "the key is left alone")

	// --force replaces the pair, and a private key made readable by others is 0600 again.
	require.NoError(t, os.Chmod(priv, 0o644))
	out, err = runIn(t, dir, "keygen", "--force")
	require.NoError(t, err)
	assert.NotContains(t, out, id)
	st, err = os.Stat(priv)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
}

// TestReleaseNeedsATrustedKey: with public keys in bake.yaml, release
// refuses up front without a key, or with one they do not list.
func TestReleaseNeedsATrustedKey(t *testing.T) {
	dir := t.TempDir()
	_, err := runIn(t, dir, "keygen", "--out", filepath.Join(dir, "keys", "release"))
	require.NoError(t, err)
	_, err = runIn(t, dir, "keygen", "--out", filepath.Join(dir, "other"))
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "templates", "t"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "images", "web"), 0o755))
	config := func(signingLines string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "bake.yaml"), []byte("project: p\n"+signingLines+
			"images:\n  web: {template: templates/t}\nenvironments:\n  - name: dev\n    targets: {}\n"), 0o644))
	}

	config("signing:\n  public_keys: [keys/release.pub]\n")
	_, err = runIn(t, dir, "release", "web", "--version", "1.0.0")
	require.ErrorIs(t, err, ErrUsage)
	assert.Contains(t, err.Error(), "no signing key was given: set BAKE_SIGNING_KEY")

	config("signing:\n  key: other\n  public_keys: [keys/release.pub]\n")
	_, err = runIn(t, dir, "release", "web", "--version", "1.0.0")
	require.ErrorIs(t, err, ErrUsage)
	assert.Contains(t, err.Error(), "from "+filepath.Join(dir, "other")+" (signing.key in bake.yaml) is not among signing.public_keys")

	config("signing:\n  key: nope\n")
	_, err = runIn(t, dir, "release", "web", "--version", "1.0.0")
	require.ErrorIs(t, err, keys.ErrInvalidKey)
	assert.Equal(t, ExitInput, ExitCode(err))
}
