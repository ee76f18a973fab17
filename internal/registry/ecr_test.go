package registry

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingECR hands out numbered tokens that expire after ttl; it stands in
// for ECR's API in a test of the cache alone (the API itself is tested
// against moto in registry/ecrapi).
type countingECR struct {
	ttl    time.Duration
	issued int
}

func (c *countingECR) AuthorizationToken(context.Context, string) (ECRToken, error) {
	c.issued++
	return ECRToken{User: "AWS", Password: string(rune('0' + c.issued)), Expires: time.Now().Add(c.ttl)}, nil
}

func (c *countingECR) CreateRepository(context.Context, string, string, string) (bool, error) {
	return true, nil
}

func ecrPassword(t *testing.T, host string) string {
	t.Helper()
	reg, err := name.NewRegistry(host)
	require.NoError(t, err)
	auth, err := authn.Resolve(context.Background(), Keychain(), reg)
	require.NoError(t, err)
	cfg, err := authn.Authorization(context.Background(), auth)
	require.NoError(t, err)
	return cfg.Password
}

// A token is reused until it nears its expiry, then replaced; a token is
// per region.
func TestECRTokenCache(t *testing.T) {
	isolate(t, "")
	const east = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
	fresh := &countingECR{ttl: 12 * time.Hour}
	UseECR(fresh)
	t.Cleanup(func() { UseECR(nil) })
	assert.Equal(t, "1", ecrPassword(t, east))
	assert.Equal(t, "1", ecrPassword(t, east))
	assert.Equal(t, "1", ecrPassword(t, "210987654321.dkr.ecr.us-east-1.amazonaws.com"), "one token serves a region")
	assert.Equal(t, "2", ecrPassword(t, "123456789012.dkr.ecr.eu-west-1.amazonaws.com"))

	expiring := &countingECR{ttl: tokenMargin - time.Minute}
	UseECR(expiring)
	assert.Equal(t, "1", ecrPassword(t, east))
	assert.Equal(t, "2", ecrPassword(t, east), "a token about to expire is replaced")
}

// Without ECR access configured an ECR host falls through to the Docker
// config, as any registry does.
func TestECRHostWithoutECRAccess(t *testing.T) {
	isolate(t, "")
	UseECR(nil)
	assert.Empty(t, ecrPassword(t, "123456789012.dkr.ecr.us-east-1.amazonaws.com"))
	assert.Equal(t, "none", Source("123456789012.dkr.ecr.us-east-1.amazonaws.com"))
}

// BAKE_REGISTRY_USER, a CI secret for the team's registry, is never sent
// to an ECR host: it takes the ECR token, and without ECR access the
// Docker config, as any registry does.
func TestECRHostIgnoresTheEnvironmentCredentials(t *testing.T) {
	isolate(t, "")
	t.Setenv(EnvUser, "ci")
	t.Setenv(EnvPassword, "team-registry-password")
	const host = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
	UseECR(&countingECR{ttl: time.Hour})
	t.Cleanup(func() { UseECR(nil) })
	assert.Equal(t, "1", ecrPassword(t, host))
	assert.Equal(t, SourceECR, Source(host))
	assert.Equal(t, EnvUser, Source("127.0.0.1:5443"), "every other registry still gets them")

	UseECR(nil)
	assert.Empty(t, ecrPassword(t, host))
	assert.Equal(t, "none", Source(host))
}
