package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/signing"
	"github.com/bakehq/bake/internal/signing/keys"
)

// signingSection is minimalFile with a signing: section (lines 2 to 4).
func signingSection(t *testing.T, section string) string {
	return edit(t, "images:\n", "signing:\n"+section+"images:\n")
}

// writeKeyPair writes a new key pair as keygen does, into dir/keys/NAME and
// dir/keys/NAME.pub, and returns the public key's id.
func writeKeyPair(t *testing.T, dir, name string) string {
	t.Helper()
	priv, err := keys.GenerateKey()
	require.NoError(t, err)
	privPEM, err := keys.EncodePrivateKey(priv)
	require.NoError(t, err)
	pub := signing.NewSigner(priv, "test").Public()
	pubPEM, err := keys.EncodePublicKey(pub)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "keys"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "keys", name), privPEM, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "keys", name+".pub"), pubPEM, 0o644))
	return keys.KeyID(pub)
}

func TestSigningSection(t *testing.T) {
	path := writeProject(t, signingSection(t, "  key: .bake/signing.key\n  public_keys: [keys/a.pub, keys/b.pub]\n"))
	dir := filepath.Dir(path)
	a, b := writeKeyPair(t, dir, "a"), writeKeyPair(t, dir, "b")

	p, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, ".bake", "signing.key"), p.Signing.Key, "relative to bake.yaml; need not exist")
	require.Len(t, p.Signing.PublicKeys, 2)
	assert.Equal(t, a, p.Signing.PublicKeys[0].ID)
	assert.Equal(t, filepath.Join(dir, "keys", "a.pub"), p.Signing.PublicKeys[0].File)
	assert.Equal(t, b, p.Signing.PublicKeys[1].ID)
	assert.Equal(t, a, keys.KeyID(p.Signing.PublicKeys[0].Key))
}

func TestSigningApprovers(t *testing.T) {
	path := writeProject(t, signingSection(t, "  approvers:\n    - {name: ann, public_key: keys/ann.pub}\n    - name: bob\n      public_key: keys/bob.pub\n"))
	dir := filepath.Dir(path)
	ann, bob := writeKeyPair(t, dir, "ann"), writeKeyPair(t, dir, "bob")

	p, err := Load(path)
	require.NoError(t, err)
	require.Len(t, p.Signing.Approvers, 2)
	assert.Equal(t, "ann", p.Signing.Approvers[0].Name)
	assert.Equal(t, ann, p.Signing.Approvers[0].Key.ID)
	got, ok := p.Signing.Approver(bob)
	require.True(t, ok)
	assert.Equal(t, "bob", got.Name)
	_, ok = p.Signing.Approver("sha256:unknown")
	assert.False(t, ok)
	assert.Empty(t, p.Signing.PublicKeys, "approvers do not make releases need signatures")
}

func TestNoSigningSection(t *testing.T) {
	p, err := Load(writeProject(t, minimalFile))
	require.NoError(t, err)
	assert.Equal(t, Signing{}, p.Signing)
	p, err = Load(writeProject(t, signingSection(t, "  key: keys/release\n")))
	require.NoError(t, err)
	assert.Empty(t, p.Signing.PublicKeys, "a key without public keys signs, and nothing is required")
}

// TestLoadRejectsInvalidSigning: every problem with the signing: section
// or a public key file it lists is one line at its place.
func TestLoadRejectsInvalidSigning(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecDER, err := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	require.NoError(t, err)
	tests := []struct {
		name    string
		section string
		files   map[string]string // under the project; "keypair:NAME" writes keys/NAME and keys/NAME.pub
		want    string            // after "FILE:"
	}{
		{
			name:    "missing public key file",
			section: "  public_keys: [keys/nope.pub]\n",
			want:    "3:17: signing.public_keys[0]: public key file DIR/keys/nope.pub does not exist (`bake keygen` writes one)",
		},
		{
			name:    "not PEM",
			section: "  public_keys: [keys/a.pub]\n",
			files:   map[string]string{"keys/a.pub": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 me@host\n"},
			want:    "3:17: signing.public_keys[0]: public key file DIR/keys/a.pub: it is not a PEM key (no -----BEGIN line)",
		},
		{
			name:    "the private key listed",
			section: "  public_keys: [keys/a]\n",
			files:   map[string]string{"keypair:a": ""},
			want:    "3:17: signing.public_keys[0]: public key file DIR/keys/a: it is a PRIVATE key; list the public key (the .pub file) and keep the private key secret",
		},
		{
			name:    "not an ed25519 key",
			section: "  public_keys: [keys/ec.pub]\n",
			files:   map[string]string{"keys/ec.pub": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecDER}))},
			want:    "3:17: signing.public_keys[0]: public key file DIR/keys/ec.pub: it is an ECDSA public key; bake verifies ed25519 keys (`bake keygen` makes one)",
		},
		{
			name:    "a directory",
			section: "  public_keys: [keys]\n",
			files:   map[string]string{"keypair:a": ""},
			want:    "3:17: signing.public_keys[0]: reading public key file DIR/keys: is a directory",
		},
		{
			name:    "a device, not a file",
			section: "  public_keys: [/dev/zero]\n",
			want:    "3:17: signing.public_keys[0]: reading public key file /dev/zero: is not a regular file",
		},
		{
			name:    "the same key twice",
			section: "  public_keys:\n    - keys/a.pub\n    - ./keys/a.pub\n",
			files:   map[string]string{"keypair:a": ""},
			want:    "5:7: signing.public_keys[1]: DIR/keys/a.pub holds the key sha256:",
		},
		{
			name:    "empty list",
			section: "  public_keys: []\n",
			want:    "3:16: signing.public_keys: must not be empty",
		},
		{
			name:    "one file, not a list",
			section: "  public_keys: keys/a.pub\n",
			files:   map[string]string{"keypair:a": ""},
			want:    `3:16: signing.public_keys: expected a list of strings, got "keys/a.pub"`,
		},
		{
			name:    "misspelt key",
			section: "  public_key: [keys/a.pub]\n",
			want:    `3:3: signing.public_key: unknown key; did you mean "public_keys"?`,
		},
		{
			name:    "approver without a key",
			section: "  approvers:\n    - {name: ann}\n",
			want:    "4:7: signing.approvers[0].public_key: required",
		},
		{
			name:    "two approvers with one key",
			section: "  approvers:\n    - {name: ann, public_key: keys/a.pub}\n    - {name: bob, public_key: keys/a.pub}\n",
			files:   map[string]string{"keypair:a": ""},
			want:    "5:31: signing.approvers[1].public_key: DIR/keys/a.pub holds the key sha256:",
		},
		{
			name:    "approver named twice",
			section: "  approvers:\n    - {name: ann, public_key: keys/a.pub}\n    - {name: ann, public_key: keys/b.pub}\n",
			files:   map[string]string{"keypair:a": "", "keypair:b": ""},
			want:    `5:14: signing.approvers[1].name: duplicate approver "ann"; first listed at line 4`,
		},
		{
			name:    "approvers not a list",
			section: "  approvers: {name: ann}\n",
			want:    "3:14: signing.approvers: must be a list of {name, public_key}",
		},
		{
			name:    "empty private key path",
			section: "  key: ''\n",
			want:    "3:8: signing.key: must not be empty",
		},
		{
			name:    "not a mapping",
			section: "  - keys/a.pub\n",
			want:    "3:3: signing: expected a mapping, got a list",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeProject(t, signingSection(t, tt.section))
			dir := filepath.Dir(path)
			for name, content := range tt.files {
				if kp, ok := strings.CutPrefix(name, "keypair:"); ok {
					writeKeyPair(t, dir, kp)
					continue
				}
				require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
			}
			_, err := Load(path)
			require.ErrorIs(t, err, ErrInvalid)
			want := path + ":" + strings.ReplaceAll(tt.want, "DIR", dir)
			assert.True(t, strings.HasPrefix(err.Error(), want), "got:\n%s\nwant prefix:\n%s", err, want)
			assert.NotContains(t, err.Error(), "\n", "one problem")
		})
	}
}
