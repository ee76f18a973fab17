package keys

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKeyPEMRoundTrip(t *testing.T) {
	priv, pub := newKey(t)
	privPEM, err := EncodePrivateKey(priv)
	require.NoError(t, err)
	pubPEM, err := EncodePublicKey(pub.Key)
	require.NoError(t, err)
	assert.Contains(t, string(privPEM), "-----BEGIN PRIVATE KEY-----")
	assert.Contains(t, string(pubPEM), "-----BEGIN PUBLIC KEY-----")

	gotPriv, err := ParsePrivateKey(privPEM)
	require.NoError(t, err)
	assert.True(t, priv.Equal(gotPriv))
	gotPub, err := ParsePublicKey(pubPEM)
	require.NoError(t, err)
	assert.True(t, pub.Key.Equal(gotPub))

	sum := sha256.Sum256(pub.Key)
	assert.Equal(t, "sha256:"+hex.EncodeToString(sum[:]), KeyID(gotPub), "the id is the sha256 of the 32 raw bytes")
	assert.Equal(t, KeyID(gotPub)[:19], ShortID(KeyID(gotPub)))
}

func TestParseKeyErrors(t *testing.T) {
	priv, pub := newKey(t)
	privPEM, _ := EncodePrivateKey(priv)
	pubPEM, _ := EncodePublicKey(pub.Key)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecDER, err := x509.MarshalPKCS8PrivateKey(ec)
	require.NoError(t, err)
	ecPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER})
	openssh := pem.EncodeToMemory(&pem.Block{Type: "OPENSSH PRIVATE KEY", Bytes: []byte("x")})

	privTests := map[string]struct {
		data []byte
		want string
	}{
		"empty":         {nil, "it is not a PEM key (no -----BEGIN line)"},
		"public key":    {pubPEM, "it is a public key; signing needs the private key (the file without .pub)"},
		"ecdsa":         {ecPEM, "it is an ECDSA private key; bake signs with ed25519 keys (`bake keygen` makes one)"},
		"openssh":       {openssh, `it holds a "OPENSSH PRIVATE KEY" PEM block; want "PRIVATE KEY" (PKCS #8), as ` + "`bake keygen` writes"},
		"two keys":      {append(append([]byte{}, privPEM...), privPEM...), "it holds more than one PEM block; want exactly one key"},
		"garbled bytes": {pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("nope")}), "it is not a PKCS #8 private key: "},
	}
	for name, tt := range privTests {
		t.Run("private "+name, func(t *testing.T) {
			_, err := ParsePrivateKey(tt.data)
			require.ErrorIs(t, err, ErrInvalidKey)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), string(privPEM[30:60]), "a message never quotes a key")
		})
	}
	_, err = ParsePublicKey(privPEM)
	require.ErrorIs(t, err, ErrInvalidKey)
	assert.Equal(t, "it is a PRIVATE key; list the public key (the .pub file) and keep the private key secret", err.Error())
	ecPub, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	_, err = ParsePublicKey(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecPub}))
	require.ErrorIs(t, err, ErrInvalidKey)
	assert.Contains(t, err.Error(), "it is an ECDSA public key")
}

func newKey(t *testing.T) (ed25519.PrivateKey, PublicKey) {
	t.Helper()
	priv, err := GenerateKey()
	require.NoError(t, err)
	pub := priv.Public().(ed25519.PublicKey)
	return priv, PublicKey{Key: pub, ID: KeyID(pub)}
}
