package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBuilderSection(t *testing.T) {
	tests := []struct {
		name, section string
		want          func(dir string) Builder
	}{
		{"default", "", func(string) Builder { return Builder{} }},
		{"buildkit", "builder: buildkit\n", func(string) Builder { return Builder{} }},
		{"legacy", "builder: legacy\n", func(string) Builder { return Builder{Legacy: true} }},
		{"address", "builder: {address: tcp://buildkit.internal:1234}\n", func(string) Builder {
			return Builder{Address: "tcp://buildkit.internal:1234"}
		}},
		{"tls", "builder:\n  address: tcp://127.0.0.1:1234\n  ca: ca.pem\n  cert: c.pem\n  key: k.pem\n  server_name: bk\n", func(dir string) Builder {
			return Builder{Address: "tcp://127.0.0.1:1234", CA: filepath.Join(dir, "ca.pem"), Cert: filepath.Join(dir, "c.pem"),
				Key: filepath.Join(dir, "k.pem"), ServerName: "bk"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := builderProject(t, tt.section)
			p, err := Load(filepath.Join(dir, "bake.yaml"))
			require.NoError(t, err)
			assert.Equal(t, tt.want(dir), p.Builder)
		})
	}
}

func TestBuilderSectionErrors(t *testing.T) {
	for section, want := range map[string]string{
		"builder: legasy\n":                                         `builder: unknown value "legasy"; did you mean "legacy"?`,
		"builder: {adress: tcp://x:1}\n":                            `did you mean "address"?`,
		"builder: {ca: ca.pem}\n":                                   `builder.address`,
		"builder: {address: buildkit:1234}\n":                       `"buildkit:1234" is not a BuildKit address such as tcp://`,
		"builder: {address: tcp://x:1, ca: none.pem}\n":             `none.pem does not exist`,
		"builder: {address: tcp://x:1, cert: c.pem}\n":              `cert and key go together`,
		"builder: {address: tcp://x:1, cert: c.pem, key: 3}\n":      `cert and key go together`,
		"builder: {address: tcp://x:1, ca: not.pem}\n":              `builder.ca: %s/not.pem holds no PEM certificate`,
		"builder: {address: tcp://x:1, cert: c.pem, key: ca.pem}\n": `are not a PEM certificate and its private key`,
	} {
		dir := builderProject(t, section)
		_, err := Load(filepath.Join(dir, "bake.yaml"))
		require.Error(t, err, section)
		assert.Contains(t, err.Error(), strings.ReplaceAll(want, "%s", dir), section)
	}
}

// builderProject is a minimal project with section appended, and the PEM
// file names the sections use.
func builderProject(t *testing.T, section string) string {
	t.Helper()
	dir := t.TempDir()
	cert, key := selfSigned(t)
	for f, content := range map[string][]byte{"ca.pem": cert, "c.pem": cert, "k.pem": key, "not.pem": []byte("pem\n")} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), content, 0o600))
	}
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "t"), 0o755))
	yaml := strings.Join([]string{"project: p", "images:", "  a: {template: t, context: t}", "environments: [{name: dev, targets: {}}]", section}, "\n")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bake.yaml"), []byte(yaml), 0o644))
	return dir
}

// selfSigned is a PEM certificate and its PEM private key, made for one test.
func selfSigned(t *testing.T) (cert, key []byte) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bake-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	require.NoError(t, err)
	kder, err := x509.MarshalPKCS8PrivateKey(k)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
}
