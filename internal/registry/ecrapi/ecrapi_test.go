package ecrapi_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/mototest"
	"github.com/bakehq/bake/internal/registry"
	"github.com/bakehq/bake/internal/registry/ecrapi"
)

// These tests prove bake's calls to ECR's API against moto: the token
// exchange and repository creation. moto serves no registry, so nothing
// here pushes to or pulls from an ECR registry; the registry protocol with
// a token is tested against the project's own registries.

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

// moto answers every account; its token is base64 "AWS:123456789012-auth-token".
const host = "123456789012.dkr.ecr.us-east-1.amazonaws.com"

// useMoto points the process's ECR access at moto and gives the test a
// Docker config of its own (configJSON, "" for none) and no BAKE_REGISTRY_USER.
func useMoto(t *testing.T, configJSON string) *awsx.Calls {
	t.Helper()
	endpoint := mototest.Endpoint(t)
	dir := t.TempDir()
	t.Setenv("DOCKER_CONFIG", dir)
	t.Setenv(registry.EnvUser, "")
	if configJSON != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(configJSON), 0o600))
	}
	calls := &awsx.Calls{}
	registry.UseECR(ecrapi.New(awsx.Settings{Endpoint: endpoint}, calls))
	t.Cleanup(func() { registry.UseECR(nil) })
	return calls
}

func resolve(t *testing.T, host string) *authn.AuthConfig {
	t.Helper()
	reg, err := name.NewRegistry(host)
	require.NoError(t, err)
	auth, err := authn.Resolve(context.Background(), registry.Keychain(), reg)
	require.NoError(t, err)
	cfg, err := authn.Authorization(context.Background(), auth)
	require.NoError(t, err)
	return cfg
}

// An ECR host is answered with the token of ecr:GetAuthorizationToken in
// its region. (moto's token expired in 2015, so every resolve asks again
// here; caching until expiry is tested in package registry.)
func TestKeychainAnswersECRWithToken(t *testing.T) {
	calls := useMoto(t, "")
	cfg := resolve(t, host)
	assert.Equal(t, "AWS", cfg.Username)
	assert.Equal(t, "123456789012-auth-token", cfg.Password)
	assert.Equal(t, registry.SourceECR, registry.Source(host))
	assert.Equal(t, map[string]int{"ECR.GetAuthorizationToken": 1}, calls.ByOperation())

	fips := resolve(t, "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com")
	assert.Equal(t, "AWS", fips.Username)

	// Any other registry is left to the Docker config: no credentials here.
	other := resolve(t, "registry.example.com")
	assert.Empty(t, other.Username)
	assert.Equal(t, 2, calls.Total())
}

// A credHelper the Docker config names for the host (such as
// docker-credential-ecr-login) wins over bake's own token.
func TestKeychainLeavesECRToItsCredHelper(t *testing.T) {
	calls := useMoto(t, `{"credHelpers": {"`+host+`": "ecr-test"}}`)
	bin := t.TempDir()
	script := "#!/bin/sh\ncat >/dev/null\nprintf '{\"ServerURL\":\"x\",\"Username\":\"helper\",\"Secret\":\"from-helper\"}'\n"
	require.NoError(t, os.WriteFile(filepath.Join(bin, "docker-credential-ecr-test"), []byte(script), 0o755))
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	cfg := resolve(t, host)
	assert.Equal(t, "helper", cfg.Username)
	assert.Equal(t, "from-helper", cfg.Password)
	assert.Equal(t, "credHelper ecr-test", registry.Source(host))
	assert.Zero(t, calls.Total(), "no token is asked for")
}

// create_repositories: the first call creates PROJECT/IMAGE, the second
// finds it there (RepositoryAlreadyExistsException) and is no error.
func TestEnsureRepository(t *testing.T) {
	useMoto(t, "")
	repo := "ecrapi-test/" + strings.ToLower(t.Name())
	created, err := registry.EnsureRepository(context.Background(), host, repo)
	require.NoError(t, err)
	assert.True(t, created)
	created, err = registry.EnsureRepository(context.Background(), host, repo)
	require.NoError(t, err)
	assert.False(t, created)

	_, err = registry.EnsureRepository(context.Background(), "127.0.0.1:5000", repo)
	assert.ErrorIs(t, err, registry.ErrNotECR)
}

// Without AWS credentials the engine's credential for an ECR host fails
// in one line that names the source and what to check.
func TestNoAWSCredentialsIsOneLine(t *testing.T) {
	useMoto(t, "")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_SESSION_TOKEN", "")
	_, err := registry.EngineAuth(context.Background(), host)
	require.Error(t, err)
	assert.ErrorIs(t, err, registry.ErrCredentials)
	msg := err.Error()
	assert.NotContains(t, msg, "\n")
	assert.Contains(t, msg, "registry "+host+": an ECR authorization token could not be read")
	assert.Contains(t, msg, "no AWS credentials found")
	assert.Contains(t, msg, "ecr:GetAuthorizationToken")
}

// Credentials AWS does not know fail in one line with AWS's own words. A
// moto_server of the test's own checks credentials
// (INITIAL_NO_AUTH_ACTION_COUNT=0) and knows none of these.
func TestWrongAWSCredentialsIsOneLine(t *testing.T) {
	mototest.Endpoint(t) // skips without moto_server
	t.Setenv("INITIAL_NO_AUTH_ACTION_COUNT", "0")
	srv, err := mototest.Start()
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	t.Setenv(registry.EnvUser, "")
	registry.UseECR(ecrapi.New(awsx.Settings{Endpoint: srv.Endpoint}, nil))
	t.Cleanup(func() { registry.UseECR(nil) })

	_, err = registry.EngineAuth(context.Background(), host)
	require.Error(t, err)
	assert.ErrorIs(t, err, registry.ErrCredentials)
	msg := err.Error()
	t.Log(msg)
	assert.NotContains(t, msg, "\n")
	assert.NotContains(t, msg, "RequestID", "the SDK's transport details are left out")
	assert.Contains(t, msg, "registry "+host+": an ECR authorization token could not be read: ecr:GetAuthorizationToken in us-east-1: AWS refused the credentials (403 Forbidden)")
	assert.Contains(t, msg, "check the AWS credentials")

	_, err = registry.EnsureRepository(context.Background(), host, "ecrapi-test/refused")
	require.Error(t, err)
	assert.EqualError(t, err, "registry "+host+`: creating repository "ecrapi-test/refused": AWS refused the credentials (403 Forbidden)`)
	assert.ErrorIs(t, err, registry.ErrCredentials, "bad input, exit 2, as a refused registry password")
}

// A registry host naming a region AWS does not have fails in one line:
// ECR's endpoint there does not resolve. (moto answers every region, so
// this goes to AWS's own endpoint name, which no DNS resolves.)
func TestUnknownRegionIsOneLine(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	t.Setenv(registry.EnvUser, "")
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	registry.UseECR(ecrapi.New(awsx.Settings{}, nil))
	t.Cleanup(func() { registry.UseECR(nil) })
	const nowhere = "123456789012.dkr.ecr.nowhere-1.amazonaws.com"
	_, err := registry.EngineAuth(context.Background(), nowhere)
	require.Error(t, err)
	msg := err.Error()
	t.Log(msg)
	assert.NotContains(t, msg, "\n")
	assert.Equal(t, "registry "+nowhere+": ecr:GetAuthorizationToken in nowhere-1: AWS endpoint https://api.ecr.nowhere-1.amazonaws.com "+
		"is unreachable (its name does not resolve): check the endpoint and the network, then run the same command again", msg)
	assert.ErrorIs(t, err, awsx.ErrEndpoint)
}
