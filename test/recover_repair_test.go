package e2e

import (
	"context"
	"testing"

	"github.com/moby/moby/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/engine"
)

// TestRecoverRepairsTraffic: nothing was interrupted, but the replicas the
// front door sends traffic to were removed by hand, so dev answers nothing
// while the ledger says it runs 1.0.0. `bake recover dev` puts 1.0.0 back
// into traffic and changes nothing recorded.
func TestRecoverRepairsTraffic(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	before := history(t, p, "dev")

	ctx := context.Background()
	eng, err := engine.Connect(ctx)
	require.NoError(t, err)
	defer eng.Close()
	list, err := eng.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: client.Filters{}.Add("label",
		"dev.bake.project="+p.Name, "dev.bake.env=dev", "dev.bake.kind=replica")})
	require.NoError(t, err)
	require.NotEmpty(t, list.Items)
	for _, c := range list.Items {
		require.NoError(t, engine.Remove(ctx, eng, c.ID))
	}
	res := bake(t, p.Dir, "status", "--check")
	assert.NotEqual(t, 0, res.code, "status --check finds the drift:\n%s", res)

	res = mustBake(t, p.Dir, "recover", "dev")
	assert.Contains(t, res.stdout, "put svc@1.0.0 back into traffic in dev")
	assert.Contains(t, res.stdout, "the record is unchanged")
	assertServes(t, p, "dev", "1.0.0")
	mustBake(t, p.Dir, "status", "--check")
	assert.Equal(t, before, history(t, p, "dev"), "repairing traffic records nothing")
	assert.Contains(t, mustBake(t, p.Dir, "recover", "dev").stdout, "nothing was interrupted in dev")
}
