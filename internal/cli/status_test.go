package cli

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/sqlite"
)

func TestOutdatedBase(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir()+"/ledger.db")
	require.NoError(t, err)
	defer store.Close()
	for _, r := range []ledger.Release{
		{Image: "debian", Version: "1.0.0", Status: ledger.StatusValidated},
		{Image: "debian", Version: "1.1.0", Status: ledger.StatusValidated},
		{Image: "debian", Version: "1.2.0", Status: ledger.StatusFailed},
	} {
		r.CreatedAt = time.Now()
		require.NoError(t, store.PutRelease(ctx, r))
	}
	check := newBaseCheck(ctx, store)
	assert.Equal(t, "debian@1.1.0", check.newer("debian@1.0.0"), "a newer validated base exists")
	assert.Empty(t, check.newer("debian@1.1.0"), "built FROM the newest validated base")
	assert.Empty(t, check.newer(""), "no base")
	assert.Empty(t, check.newer("nothing@1.0.0"), "a base with no releases")
}
