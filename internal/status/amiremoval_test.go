package status

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/sqlite"
)

// A release whose AMIs gc removed stays in history and show, with the
// removal record; the others, and container releases, carry none.
func TestHistoryAndDescribeReadAMIRemovals(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir()+"/ledger.db")
	require.NoError(t, err)
	defer store.Close()
	now := time.Now().UTC().Truncate(time.Second)
	rels := []ledger.Release{
		{Image: "web", Version: "1.0.0", AMIs: map[string]string{"us-east-1": "ami-1e", "eu-west-1": "ami-1u"}},
		{Image: "web", Version: "1.1.0", AMIs: map[string]string{"us-east-1": "ami-2e"}},
		{Image: "web", Version: "1.2.0", Digest: "sha256:c0"}, // a container release
	}
	for i, r := range rels {
		r.Status, r.CreatedAt, r.CreatedBy = ledger.StatusValidated, now.Add(time.Duration(i)*time.Minute), "ci"
		rels[i] = r
		require.NoError(t, store.PutRelease(ctx, r))
	}
	removal := ledger.AMIRemoval{Image: "web", Version: "1.0.0", AMIs: rels[0].AMIs, Operation: "gc", By: "ops", At: now}
	require.NoError(t, store.RecordAMIRemoval(ctx, removal))

	h, err := ReadHistory(ctx, store, HistoryQuery{Image: "web", Limit: 10})
	require.NoError(t, err)
	require.Len(t, h.AMIRemovals, 1)
	assert.Equal(t, "1.0.0", h.AMIRemovals[0].Version)
	assert.Equal(t, rels[0].AMIs, h.AMIRemovals[0].AMIs)
	assert.True(t, h.AMIRemovals[0].At.Equal(now))

	p := &config.Project{Name: "shop"}
	for _, tt := range []struct {
		rel     ledger.Release
		removed bool
	}{{rels[0], true}, {rels[1], false}, {rels[2], false}} {
		d, err := Describe(ctx, p, store, tt.rel)
		require.NoError(t, err)
		if !tt.removed {
			assert.Nil(t, d.AMIsRemoved, tt.rel.Version)
			continue
		}
		require.NotNil(t, d.AMIsRemoved, tt.rel.Version)
		assert.Equal(t, "ops", d.AMIsRemoved.By)
		assert.Equal(t, "gc", d.AMIsRemoved.Operation)
	}
}
