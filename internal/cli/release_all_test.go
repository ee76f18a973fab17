package cli

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

func names(level []*config.Image) []string {
	var out []string
	for _, img := range level {
		out = append(out, img.Name)
	}
	return out
}

func TestBaseLevelsPutBasesFirst(t *testing.T) {
	p := &config.Project{Images: []*config.Image{
		{Name: "web", Base: "runtime"}, {Name: "debian"}, {Name: "runtime", Base: "debian"},
		{Name: "worker", Base: "debian"}, {Name: "scratchy"},
	}}
	levels := baseLevels(p)
	require.Len(t, levels, 3)
	assert.Equal(t, []string{"debian", "scratchy"}, names(levels[0]))
	assert.Equal(t, []string{"runtime", "worker"}, names(levels[1]))
	assert.Equal(t, []string{"web"}, names(levels[2]))
}

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
