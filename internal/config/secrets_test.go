package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestImageSecrets(t *testing.T) {
	p, err := Load(writeProject(t, edit(t, "    port: 8080\n", "    port: 8080\n    secrets: [npm_token, pip_index2]\n")))
	require.NoError(t, err)
	assert.Equal(t, []string{"npm_token", "pip_index2"}, p.Image("hello").Secrets)
}

func TestImageSecretsRejected(t *testing.T) {
	tests := []struct {
		name, secrets, vars, want string
	}{
		{"not a list", "secrets: npm_token", "", `6:14: images.hello.secrets: expected a list of strings, got "npm_token"`},
		{"empty list", "secrets: []", "", `6:14: images.hello.secrets: must not be empty`},
		{"upper case", "secrets: [NPM_TOKEN]", "", `6:15: images.hello.secrets[0]: secret name "NPM_TOKEN" must be lowercase letters`},
		{"hyphen", "secrets: [npm-token]", "", `6:15: images.hello.secrets[0]: secret name "npm-token" must be lowercase`},
		{"twice", "secrets: [a1, a1]", "", `6:19: images.hello.secrets[1]: secret "a1" is listed twice`},
		{"also a variable", "secrets: [token]", "    vars: {token: x}\n", `7:15: images.hello.secrets[0]: "token" is both a variable and a secret`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeProject(t, edit(t, "    port: 8080\n", "    port: 8080\n"+tt.vars+"    "+tt.secrets+"\n"))
			_, err := Load(path)
			require.ErrorIs(t, err, ErrInvalid)
			first := strings.Split(err.Error(), "\n")[0]
			assert.True(t, strings.HasPrefix(first, path+":"+tt.want), "got %s\nwant %s", first, tt.want)
		})
	}
}
