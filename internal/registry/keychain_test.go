package registry

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// isolate gives the test a home and a Docker config directory of its own,
// with the config.json given ("" for none), and no credentials in the
// environment.
func isolate(t *testing.T, configJSON string) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("XDG_RUNTIME_DIR", "")
	t.Setenv("REGISTRY_AUTH_FILE", "")
	t.Setenv(EnvUser, "")
	t.Setenv(EnvPassword, "")
	dir := filepath.Join(home, "docker-config")
	require.NoError(t, os.MkdirAll(dir, 0o700))
	t.Setenv("DOCKER_CONFIG", dir)
	if configJSON != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(configJSON), 0o600))
	}
	return dir
}

// credHelper puts docker-credential-NAME on PATH, answering every registry
// with user and password as Docker's credential helpers do.
func credHelper(t *testing.T, helper, user, password string) {
	t.Helper()
	dir := t.TempDir()
	script := "#!/bin/sh\n[ \"$1\" = get ] || exit 1\ncat >/dev/null\n" +
		"printf '{\"ServerURL\":\"x\",\"Username\":\"%s\",\"Secret\":\"%s\"}' '" + user + "' '" + password + "'\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "docker-credential-"+helper), []byte(script), 0o755))
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

func basicAuth(user, password string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
}

// TestSource names each credential source in the keychain's order:
// the environment first, then config.json's credHelpers, credsStore and auths.
func TestSource(t *testing.T) {
	const host = "registry.example.com:5443"
	auths := `{"auths": {"` + host + `": {"auth": "` + basicAuth("u", "p") + `"}}}`
	for _, tt := range []struct {
		name, config, envUser, envPassword, want string
	}{
		{name: "nothing", want: "none"},
		{name: "empty config", config: `{}`, want: "none"},
		{name: "another registry's auths", config: `{"auths": {"other:1": {"auth": "` + basicAuth("u", "p") + `"}}}`, want: "none"},
		{name: "auths", config: auths, want: "config.json auths"},
		{name: "credHelper", config: `{"credHelpers": {"` + host + `": "ecr-login"}, "credsStore": "pass"}`, want: "credHelper ecr-login"},
		{name: "credsStore", config: `{"credsStore": "pass"}`, want: "credsStore pass"},
		{name: "environment first", config: auths, envUser: "ci", envPassword: "pw", want: "BAKE_REGISTRY_USER"},
		{name: "environment without a password", config: auths, envUser: "ci",
			want: "BAKE_REGISTRY_USER (with BAKE_REGISTRY_PASSWORD unset or empty)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			isolate(t, tt.config)
			t.Setenv(EnvUser, tt.envUser)
			t.Setenv(EnvPassword, tt.envPassword)
			assert.Equal(t, tt.want, Source(host))
		})
	}
}

// TestKeychainOrder resolves the environment's credentials before the
// config file's, the config file's otherwise, and none without either.
func TestKeychainOrder(t *testing.T) {
	reg, err := name.NewRegistry("registry.example.com")
	require.NoError(t, err)
	resolve := func() *authn.AuthConfig {
		a, err := Keychain().Resolve(reg)
		require.NoError(t, err)
		cfg, err := a.Authorization()
		require.NoError(t, err)
		return cfg
	}

	isolate(t, "")
	assert.Equal(t, &authn.AuthConfig{}, resolve())

	isolate(t, `{"auths": {"registry.example.com": {"auth": "`+basicAuth("from-file", "p1")+`"}}}`)
	assert.Equal(t, "from-file", resolve().Username)

	t.Setenv(EnvUser, "from-env")
	t.Setenv(EnvPassword, "p2")
	cfg := resolve()
	assert.Equal(t, "from-env", cfg.Username)
	assert.Equal(t, "p2", cfg.Password)

	isolate(t, `{"credHelpers": {"registry.example.com": "baketest"}}`)
	credHelper(t, "baketest", "from-helper", "p3")
	assert.Equal(t, "from-helper", resolve().Username)
}

// TestEngineAuth encodes the keychain's credentials as the engine's
// X-Registry-Auth header wants them.
func TestEngineAuth(t *testing.T) {
	isolate(t, "")
	t.Setenv(EnvUser, "ci")
	t.Setenv(EnvPassword, "s3cret")
	v, err := EngineAuth(context.Background(), "127.0.0.1:5443")
	require.NoError(t, err)
	raw, err := base64.URLEncoding.DecodeString(v)
	require.NoError(t, err)
	var got map[string]string
	require.NoError(t, json.Unmarshal(raw, &got))
	assert.Equal(t, map[string]string{"username": "ci", "password": "s3cret", "serveraddress": "127.0.0.1:5443"}, got)

	t.Setenv(EnvUser, "")
	v, err = EngineAuth(context.Background(), "127.0.0.1:5443")
	require.NoError(t, err)
	raw, err = base64.URLEncoding.DecodeString(v)
	require.NoError(t, err)
	assert.JSONEq(t, `{"serveraddress": "127.0.0.1:5443"}`, string(raw))
}
