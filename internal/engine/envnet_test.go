package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Project shop's environment api-dev and project shop-api's dev both name
// their network bake-shop-api-dev: the second is refused rather than given
// the first one's network, whose replicas it could then reach.
func TestEnsureNetworkRefusesAnotherEnvironmentsNetwork(t *testing.T) {
	ctx := context.Background()
	eng, err := Connect(ctx)
	require.NoError(t, err)
	defer eng.Close()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	shop := "shop" + hex.EncodeToString(b)
	name := "bake-" + shop + "-api-dev"
	labels := func(project, env string) map[string]string {
		return Labels("0p0p0p0p0p0p", KindReplica, map[string]string{LabelProject: project, LabelEnv: env})
	}

	id, err := EnsureNetwork(ctx, eng, name, labels(shop, "api-dev"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = RemoveNetwork(context.Background(), eng, id) })
	again, err := EnsureNetwork(ctx, eng, name, labels(shop, "api-dev"))
	require.NoError(t, err)
	assert.Equal(t, id, again, "the environment's own network is reused")

	_, err = EnsureNetwork(ctx, eng, name, labels(shop+"-api", "dev"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "belongs to project "+shop+"'s environment api-dev")
}
