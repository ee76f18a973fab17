package promote

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/sqlite"
	"github.com/bakehq/bake/internal/targets"
)

// hookTarget deploys by calling deploy, then succeeds unless ctx ended.
type hookTarget struct {
	plainTarget
	deploy func(ctx context.Context)
}

func (h hookTarget) Deploy(ctx context.Context, _ targets.Request) ([]targets.Replica, error) {
	h.deploy(ctx)
	return nil, context.Cause(ctx)
}

// A deployment slower than its lock's TTL keeps the lock: another host
// cannot take it while the deployment runs.
func TestLockRenewedWhileDeploying(t *testing.T) {
	ctx := context.Background()
	e := newTestEngine(t, "1.0.0")
	e.LockTTL = 150 * time.Millisecond
	e.Target = hookTarget{deploy: func(context.Context) {
		for range 4 {
			time.Sleep(150 * time.Millisecond)
			_, err := e.Store.Lock(ctx, LockKey("dev"), "other-host", time.Minute)
			require.ErrorIs(t, err, ledger.ErrLocked, "the lock expired while the deployment ran")
		}
	}}
	res, err := e.Promote(ctx, PromoteRequest{Image: "web", Version: "1.0.0", To: "dev"})
	require.NoError(t, err)
	assert.Equal(t, ledger.OutcomeSucceeded, res.Deployment.Outcome)
	_, err = e.Store.Holder(ctx, LockKey("dev"))
	require.ErrorIs(t, err, ledger.ErrNotFound, "released when done")
}

// A host whose lock expired (here, by hand) and was taken over by another
// records nothing more: its outcome is refused and it stops.
func TestExpiredLockTakenOver(t *testing.T) {
	for _, tt := range []struct {
		name string
		ttl  time.Duration
		wait time.Duration
	}{
		// The write is refused before a renewal comes round.
		{name: "fenced write", ttl: time.Hour},
		// A renewal finds the lock lost and stops the deployment.
		{name: "renewal", ttl: 150 * time.Millisecond, wait: time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			e := newTestEngine(t, "1.0.0")
			path := e.Store.(*sqlite.Store).Path()
			other, err := sqlite.Open(ctx, path)
			require.NoError(t, err)
			defer other.Close()
			e.LockTTL = tt.ttl
			e.Target = hookTarget{deploy: func(ctx context.Context) {
				expireLock(t, path, LockKey("dev"))
				_, err := other.Lock(ctx, LockKey("dev"), "other-host", time.Minute)
				require.NoError(t, err)
				select {
				case <-ctx.Done():
				case <-time.After(tt.wait):
				}
			}}
			_, err = e.Promote(ctx, PromoteRequest{Image: "web", Version: "1.0.0", To: "dev"})
			require.ErrorIs(t, err, ledger.ErrLockLost)
			assert.Contains(t, err.Error(), "env/dev is no longer held by ann")
			_, err = other.Current(ctx, "web", "dev")
			require.ErrorIs(t, err, ledger.ErrNotFound, "no outcome of the slow host was recorded")
			held, err := other.Holder(ctx, LockKey("dev"))
			require.NoError(t, err)
			assert.Equal(t, "other-host", held.Holder, "the slow host did not release the new holder's lock")
		})
	}
}

// expireLock moves key's expiry into the past, as a paused or partitioned
// host finds it when it resumes.
func expireLock(t *testing.T, path, key string) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec(`UPDATE locks SET expires = ? WHERE key = ?`, ledger.FormatTime(time.Now().Add(-time.Second)), key)
	require.NoError(t, err)
}
