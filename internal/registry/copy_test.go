package registry

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/registry/registrytest"
)

// openRegistry is the project's open registry on loopback, started by
// scripts/services.sh.
const openRegistry = "127.0.0.1:5000"

// pushOpen pushes an image or index of random layers to the open registry
// and returns its reference by digest.
func pushOpen(t *testing.T, index bool) string {
	t.Helper()
	repo := uniqueRepo(registrytest.AuthRegistry{Address: openRegistry})
	var (
		dg  v1.Hash
		err error
	)
	if index {
		idx, ierr := random.Index(256, 2, 2)
		require.NoError(t, ierr)
		ref, _ := name.NewTag(repo+":t", name.Insecure)
		require.NoError(t, remote.WriteIndex(ref, idx))
		dg, err = idx.Digest()
	} else {
		img, ierr := random.Image(512, 2)
		require.NoError(t, ierr)
		ref, _ := name.NewTag(repo+":t", name.Insecure)
		require.NoError(t, remote.Write(ref, img))
		dg, err = img.Digest()
	}
	require.NoError(t, err)
	return repo + "@" + dg.String()
}

// TestCopyAcrossRegistries copies an image and an index from the open
// registry to the TLS + htpasswd one by digest: the copy has the source's
// digest, and a second copy finds it there and sends nothing.
func TestCopyAcrossRegistries(t *testing.T) {
	reg := registrytest.Find(t)
	ctx := context.Background()
	dst := authClient(t, reg)
	t.Setenv(EnvUser, reg.User)
	t.Setenv(EnvPassword, reg.Password)
	src, err := New(openRegistry, Options{})
	require.NoError(t, err)

	for _, index := range []bool{false, true} {
		from := pushOpen(t, index)
		_, dg, _ := strings.Cut(from, "@")
		dstRepo := uniqueRepo(reg)
		ref, copied, err := src.Copy(ctx, from, dst, dstRepo)
		require.NoError(t, err)
		assert.True(t, copied)
		assert.Equal(t, dstRepo+"@"+dg, ref)
		desc, err := dst.Head(ctx, ref)
		require.NoError(t, err)
		assert.Equal(t, dg, desc.Digest.String())

		again, copied, err := src.Copy(ctx, from, dst, dstRepo)
		require.NoError(t, err)
		assert.False(t, copied, "a copy already there is not made again")
		assert.Equal(t, ref, again)
	}
}

// A destination that refuses bake's credentials fails in one line naming
// the registry and the source of the credentials; nothing is copied.
func TestCopyWrongCredentials(t *testing.T) {
	reg := registrytest.Find(t)
	dst := authClient(t, reg)
	t.Setenv(EnvUser, reg.User)
	t.Setenv(EnvPassword, "wrong")
	src, err := New(openRegistry, Options{})
	require.NoError(t, err)
	_, _, err = src.Copy(context.Background(), pushOpen(t, false), dst, uniqueRepo(reg))
	require.ErrorIs(t, err, ErrCredentials)
	assert.Contains(t, err.Error(), "registry "+reg.Address+": the credentials from BAKE_REGISTRY_USER were refused")
	assert.NotContains(t, err.Error(), "\n")
}

// TestCopyInterrupted: a copy whose context ends (Ctrl-C) says it was
// canceled, without the URL of the request it cut short.
func TestCopyInterrupted(t *testing.T) {
	reg := registrytest.Find(t)
	dst := authClient(t, reg)
	t.Setenv(EnvUser, reg.User)
	t.Setenv(EnvPassword, reg.Password)
	src, err := New(openRegistry, Options{})
	require.NoError(t, err)
	from := pushOpen(t, false)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err = src.Copy(ctx, from, dst, uniqueRepo(reg))
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, "context canceled", err.Error())
}
