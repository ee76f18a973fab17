package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLoadRegistry reads registry: as HOST:PORT and as a mapping, with a
// CA bundle relative to bake.yaml.
func TestLoadRegistry(t *testing.T) {
	for _, tt := range []struct {
		name, yaml string
		want       Registry
	}{
		{name: "default", yaml: "", want: Registry{Address: DefaultRegistry}},
		{name: "string", yaml: "registry: 127.0.0.1:5443\n", want: Registry{Address: "127.0.0.1:5443"}},
		{name: "mapping", yaml: "registry: {address: 127.0.0.1:5443, ca: certs/ca.pem}\n",
			want: Registry{Address: "127.0.0.1:5443", CA: "certs/ca.pem"}},
		{name: "ECR", yaml: "registry: {address: 123456789012.dkr.ecr.us-east-1.amazonaws.com, create_repositories: true}\n",
			want: Registry{Address: "123456789012.dkr.ecr.us-east-1.amazonaws.com", CreateRepositories: true}},
		{name: "host on HTTPS's port", yaml: "registry: ghcr.io\n", want: Registry{Address: "ghcr.io"}},
		{name: "mapping without address", yaml: "registry:\n  ca: certs/ca.pem\n",
			want: Registry{Address: DefaultRegistry, CA: "certs/ca.pem"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := writeProject(t, tt.yaml+minimalFile)
			dir := filepath.Dir(path)
			require.NoError(t, os.MkdirAll(filepath.Join(dir, "certs"), 0o755))
			pem, err := os.ReadFile("testdata/ca.pem")
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dir, "certs/ca.pem"), pem, 0o644))
			p, err := Load(path)
			require.NoError(t, err)
			if tt.want.CA != "" {
				tt.want.CA = filepath.Join(dir, tt.want.CA)
			}
			assert.Equal(t, tt.want, p.Registry)
		})
	}
}

func TestLoadRejectsInvalidRegistry(t *testing.T) {
	runInvalid(t, []invalidCase{
		{
			name:     "address with a port out of range",
			content:  func(t *testing.T) string { return "registry: {address: example.com:0}\n" + minimalFile },
			position: "1:21",
			message:  `registry.address: expected host:port with a port between 1 and 65535, got "example.com:0"`,
		},
		{
			name:     "address with a path",
			content:  func(t *testing.T) string { return "registry: example.com/team\n" + minimalFile },
			position: "1:11",
			message:  `registry: expected HOST or HOST:PORT, got "example.com/team"`,
		},
		{
			name:     "a URL",
			content:  func(t *testing.T) string { return "registry: https://ghcr.io\n" + minimalFile },
			position: "1:11",
			message:  `registry: expected HOST or HOST:PORT without a scheme, got "https://ghcr.io": remove "https://"`,
		},
		{
			name: "create_repositories on a registry that is not ECR",
			content: func(t *testing.T) string {
				return "registry: {address: 127.0.0.1:5443, create_repositories: true}\n" + minimalFile
			},
			position: "1:58",
			message:  `registry.create_repositories: 127.0.0.1:5443 is not an Amazon ECR registry`,
		},
		{
			name: "misspelt key",
			content: func(t *testing.T) string {
				return "registry:\n  address: 127.0.0.1:5443\n  cert: ca.pem\n" + minimalFile
			},
			position: "3:3",
			message:  `registry.cert: unknown key`,
		},
		{
			name:     "missing CA bundle",
			content:  func(t *testing.T) string { return "registry: {ca: certs/missing.pem}\n" + minimalFile },
			position: "1:16",
			message:  `registry.ca: cannot read the CA bundle certs/missing.pem: no such file or directory`,
		},
		{
			name: "a CA bundle with no certificate",
			content: func(t *testing.T) string {
				return "registry: {ca: bake.yaml}\n" + minimalFile
			},
			position: "1:16",
			message:  `registry.ca: bake.yaml holds no PEM certificate; expected the CA certificates the registry's certificate chains to`,
		},
		{
			name:     "create_repositories not a boolean",
			content:  func(t *testing.T) string { return "registry: {create_repositories: yes please}\n" + minimalFile },
			position: "1:33",
			message:  `registry.create_repositories: expected true or false`,
		},
		{
			name:     "a list",
			content:  func(t *testing.T) string { return "registry: [127.0.0.1:5443]\n" + minimalFile },
			position: "1:11",
			message:  `registry: expected a mapping`,
		},
	})
}

// An environment may name its own registry, in the project's registry's
// shape; one that names none uses the project's.
func TestLoadEnvironmentRegistry(t *testing.T) {
	content := minimalFile + `  - name: prod
    registry: {address: 123456789012.dkr.ecr.eu-west-1.amazonaws.com, create_repositories: true}
    targets:
      hello: {listen: 127.0.0.1:8102}
`
	p, err := Load(writeProject(t, content))
	require.NoError(t, err)
	dev, _ := p.Environment("dev")
	prod, _ := p.Environment("prod")
	assert.Equal(t, Registry{Address: DefaultRegistry}, p.RegistryOf(dev))
	assert.Equal(t, Registry{Address: "123456789012.dkr.ecr.eu-west-1.amazonaws.com", CreateRepositories: true}, p.RegistryOf(prod))
}

func TestLoadRejectsInvalidEnvironmentRegistry(t *testing.T) {
	runInvalid(t, []invalidCase{
		{
			name: "no address",
			content: func(t *testing.T) string {
				return edit(t, "  - name: dev\n", "  - name: dev\n    registry: {create_repositories: false}\n")
			},
			position: "11:15",
			message:  `environments[0].registry.address: required`,
		},
		{
			name: "create_repositories on a registry that is not ECR",
			content: func(t *testing.T) string {
				return edit(t, "  - name: dev\n", "  - name: dev\n    registry: {address: 127.0.0.1:5443, create_repositories: true}\n")
			},
			position: "11:62",
			message:  `environments[0].registry.create_repositories: 127.0.0.1:5443 is not an Amazon ECR registry`,
		},
	})
}
