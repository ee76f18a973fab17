package gc

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/sqlite"
)

// TestLock takes every environment's lock, the one promote takes, and
// takes none while any is held.
func TestLock(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"))
	require.NoError(t, err)
	defer store.Close()
	c := &Collector{Project: &config.Project{Environments: envs(1)}, Ledger: store}

	unlock, err := c.Lock(ctx, "ci")
	require.NoError(t, err)
	_, err = store.Lock(ctx, "env/qa", "promote", time.Minute)
	require.ErrorIs(t, err, ledger.ErrLocked, "gc holds qa")
	unlock()

	promote, err := store.Lock(ctx, "env/prod", "promote", time.Minute)
	require.NoError(t, err, "gc released prod")
	_, err = c.Lock(ctx, "ci")
	require.ErrorIs(t, err, ledger.ErrLocked)
	assert.Contains(t, err.Error(), "env/prod is locked by promote")
	dev, err := store.Lock(ctx, "env/dev", "promote", time.Minute)
	require.NoError(t, err, "a refused gc holds no lock")
	require.NoError(t, store.Unlock(ctx, dev))
	require.NoError(t, store.Unlock(ctx, promote))
}
