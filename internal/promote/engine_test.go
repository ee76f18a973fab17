package promote

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/sqlite"
)

func newTestEngine(t *testing.T, versions ...string) *Engine {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir()+"/ledger.db")
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	for _, v := range versions {
		require.NoError(t, store.PutRelease(ctx, ledger.Release{Image: "web", Version: v, Digest: testDigest(v), Reference: testRef(v),
			Status: ledger.StatusValidated, CreatedAt: time.Now()}))
	}
	return &Engine{Project: project(), Store: store, Target: plainTarget{}, User: "ann", Operation: "op1"}
}

// A rollback pins the environment with its outcome, an explicit promote
// ends the pin with its own, and `promote --from` is refused meanwhile,
// with every unmet gate named.
func TestEnginePins(t *testing.T) {
	ctx := context.Background()
	e := newTestEngine(t, "1.0.0", "1.1.0")
	for _, v := range []string{"1.0.0", "1.1.0"} {
		_, err := e.Promote(ctx, PromoteRequest{Image: "web", Version: v, To: "dev"})
		require.NoError(t, err)
		_, err = e.Promote(ctx, PromoteRequest{Image: "web", From: "dev", To: "qa"})
		require.NoError(t, err)
	}
	res, err := e.Rollback(ctx, RollbackRequest{Image: "web", Env: "qa"})
	require.NoError(t, err)
	assert.True(t, res.Pinned)
	assert.Equal(t, "1.0.0", res.Deployment.Version)
	pin, err := e.Store.Pin(ctx, "web", "qa")
	require.NoError(t, err)
	assert.True(t, pin.Pinned)
	assert.Equal(t, "rollback from 1.1.0", pin.Reason)

	e.Project.Environments[1].Gates.Approval = true
	_, err = e.Promote(ctx, PromoteRequest{Image: "web", From: "dev", To: "qa"})
	require.ErrorIs(t, err, ErrRefused)
	assert.Contains(t, err.Error(), "approval: ")
	assert.Contains(t, err.Error(), "not pinned: ")
	e.Project.Environments[1].Gates.Approval = false

	res, err = e.Promote(ctx, PromoteRequest{Image: "web", Version: "1.1.0", To: "qa"})
	require.NoError(t, err)
	assert.Equal(t, "1.0.0", res.Unpinned)
	pin, err = e.Store.Pin(ctx, "web", "qa")
	require.NoError(t, err)
	assert.False(t, pin.Pinned)
}

// A held lock is reported as a lock, with its holder and what to do, not
// as a policy refusal.
func TestEngineLocked(t *testing.T) {
	ctx := context.Background()
	e := newTestEngine(t, "1.0.0")
	host, _ := os.Hostname()
	holder := Holder{User: "ci", Host: host, PID: os.Getpid(), Operation: "live01", What: "promote web@1.0.0"}.String()
	_, err := e.Store.Lock(ctx, LockKey("dev"), holder, time.Hour)
	require.NoError(t, err)

	_, err = e.Promote(ctx, PromoteRequest{Image: "web", Version: "1.0.0", To: "dev"})
	require.ErrorIs(t, err, ledger.ErrLocked)
	assert.Contains(t, err.Error(), "is locked by ci on "+host)
	assert.Contains(t, err.Error(), "retry once it has finished")
	assert.NotContains(t, err.Error(), "refused by policy")
	deps, err := e.Store.Deployments(ctx, "web", "")
	require.NoError(t, err)
	assert.Empty(t, deps, "nothing recorded")
}
