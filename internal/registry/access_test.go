package registry

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/registry/registrytest"
)

// authClient returns a client of the auth registry that trusts its CA and
// nothing from the engine's certs.d, with no credentials in reach.
func authClient(t *testing.T, reg registrytest.AuthRegistry) *Client {
	t.Helper()
	isolate(t, "")
	c, err := New(reg.Address, Options{CA: reg.CA, CertsDir: t.TempDir()})
	require.NoError(t, err)
	return c
}

func uniqueRepo(reg registrytest.AuthRegistry) string {
	return fmt.Sprintf("%s/registrytest/r%d", reg.Address, time.Now().UnixNano())
}

// TestCheckPushCredentials checks push access with each credential source,
// and names the source when the registry refuses it.
func TestCheckPushCredentials(t *testing.T) {
	reg := registrytest.Find(t)
	ctx := context.Background()
	repo := uniqueRepo(reg)

	t.Run("environment", func(t *testing.T) {
		c := authClient(t, reg)
		t.Setenv(EnvUser, reg.User)
		t.Setenv(EnvPassword, reg.Password)
		require.NoError(t, c.CheckPush(ctx, repo))
	})
	t.Run("config.json auths", func(t *testing.T) {
		c := authClient(t, reg)
		isolate(t, `{"auths": {"`+reg.Address+`": {"auth": "`+basicAuth(reg.User, reg.Password)+`"}}}`)
		require.NoError(t, c.CheckPush(ctx, repo))
	})
	t.Run("credHelper", func(t *testing.T) {
		c := authClient(t, reg)
		isolate(t, `{"credHelpers": {"`+reg.Address+`": "baketest"}}`)
		credHelper(t, "baketest", reg.User, reg.Password)
		require.NoError(t, c.CheckPush(ctx, repo))
	})
	t.Run("wrong password", func(t *testing.T) {
		c := authClient(t, reg)
		t.Setenv(EnvUser, reg.User)
		t.Setenv(EnvPassword, "not-"+reg.Password)
		start := time.Now()
		err := c.CheckPush(ctx, repo)
		require.ErrorIs(t, err, ErrCredentials)
		assert.Less(t, time.Since(start), 3*time.Second)
		assert.Equal(t, "registry "+reg.Address+": the credentials from BAKE_REGISTRY_USER were refused (401 Unauthorized): "+
			"correct them (or run `docker login "+reg.Address+"`) and run the same command again", err.Error())
	})
	t.Run("a user without a password", func(t *testing.T) {
		c := authClient(t, reg)
		t.Setenv(EnvUser, reg.User)
		t.Setenv(EnvPassword, "")
		err := c.CheckPush(ctx, repo)
		require.ErrorIs(t, err, ErrCredentials)
		assert.Contains(t, err.Error(), "the credentials from BAKE_REGISTRY_USER (with BAKE_REGISTRY_PASSWORD unset or empty) were refused (401 Unauthorized)")
	})
	t.Run("wrong password from a credHelper", func(t *testing.T) {
		c := authClient(t, reg)
		isolate(t, `{"credHelpers": {"`+reg.Address+`": "baketest"}}`)
		credHelper(t, "baketest", reg.User, "wrong")
		err := c.CheckPush(ctx, repo)
		require.ErrorIs(t, err, ErrCredentials)
		assert.Contains(t, err.Error(), "the credentials from credHelper baketest were refused")
	})
	t.Run("a credHelper that is not installed", func(t *testing.T) {
		c := authClient(t, reg)
		isolate(t, `{"credHelpers": {"`+reg.Address+`": "bake-not-installed"}}`)
		err := c.CheckPush(ctx, repo)
		require.ErrorIs(t, err, ErrCredentials)
		assert.Equal(t, "registry "+reg.Address+": the credentials from credHelper bake-not-installed could not be read: "+
			"docker-credential-bake-not-installed is not installed (not found in $PATH): "+
			"correct them (or run `docker login "+reg.Address+"`) and run the same command again", err.Error())
		_, err = c.Head(ctx, repo+":t")
		require.ErrorIs(t, err, ErrCredentials, "every call names the source")
	})
	t.Run("missing", func(t *testing.T) {
		c := authClient(t, reg)
		err := c.CheckPush(ctx, repo)
		require.ErrorIs(t, err, ErrCredentials)
		assert.Equal(t, "registry "+reg.Address+" requires credentials and bake found none: set BAKE_REGISTRY_USER and "+
			"BAKE_REGISTRY_PASSWORD, or run `docker login "+reg.Address+"`", err.Error())
	})
}

// TestTLS trusts the registry through registry.ca or certs.d, and names the
// certificate problem otherwise.
func TestTLS(t *testing.T) {
	reg := registrytest.Find(t)
	ctx := context.Background()
	isolate(t, "")
	t.Setenv(EnvUser, reg.User)
	t.Setenv(EnvPassword, reg.Password)

	c, err := New(reg.Address, Options{CertsDir: t.TempDir()})
	require.NoError(t, err)
	err = c.CheckPush(ctx, uniqueRepo(reg))
	require.ErrorIs(t, err, ErrTLS)
	assert.Equal(t, "registry "+reg.Address+": its TLS certificate is signed by an unknown authority: set registry.ca in bake.yaml "+
		"to the CA bundle that signed it, or put the CA in /etc/docker/certs.d/"+reg.Address+"/ca.crt", err.Error())

	certsDir := t.TempDir()
	require.NoError(t, os.MkdirAll(certsDir+"/"+reg.Address, 0o755))
	pem, err := os.ReadFile(reg.CA)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(certsDir+"/"+reg.Address+"/ca.crt", pem, 0o644))
	c, err = New(reg.Address, Options{CertsDir: certsDir})
	require.NoError(t, err)
	require.NoError(t, c.CheckPush(ctx, uniqueRepo(reg)), "the CA from certs.d")

	// The certificate names IP 127.0.0.1 only.
	c, err = New("localhost:5443", Options{CA: reg.CA, CertsDir: t.TempDir()})
	require.NoError(t, err)
	err = c.CheckPush(ctx, "localhost:5443/registrytest/host")
	require.ErrorIs(t, err, ErrTLS)
	assert.Contains(t, err.Error(), "its TLS certificate is not valid for this host")

	_, err = New(reg.Address, Options{CA: "/nonexistent/ca.pem"})
	assert.ErrorContains(t, err, "registry.ca: reading CA bundle")
}

// TestHeadDelete finds a pushed manifest by digest, deletes it, and then
// finds it gone.
func TestHeadDelete(t *testing.T) {
	reg := registrytest.Find(t)
	ctx := context.Background()
	c := authClient(t, reg)
	t.Setenv(EnvUser, reg.User)
	t.Setenv(EnvPassword, reg.Password)

	img, err := random.Image(256, 1)
	require.NoError(t, err)
	tag, err := name.NewTag(uniqueRepo(reg)+":1.0.0", c.NameOptions()...)
	require.NoError(t, err)
	require.NoError(t, remote.Write(tag, img, c.remoteOptions(ctx)...))
	digest, err := img.Digest()
	require.NoError(t, err)
	ref := tag.Context().Digest(digest.String()).String()

	desc, err := c.Head(ctx, ref)
	require.NoError(t, err)
	assert.Equal(t, digest, desc.Digest)

	require.NoError(t, c.Delete(ctx, ref))
	_, err = c.Head(ctx, ref)
	require.ErrorIs(t, err, ErrNotFound)
	require.ErrorIs(t, c.Delete(ctx, ref), ErrNotFound)

	t.Setenv(EnvPassword, "wrong")
	_, err = c.Head(ctx, ref)
	require.ErrorIs(t, err, ErrCredentials)
	var cerr *CredentialsError
	require.True(t, errors.As(err, &cerr))
	assert.Equal(t, EnvUser, cerr.Source)
}
