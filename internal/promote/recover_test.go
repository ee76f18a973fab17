package promote

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/sqlite"
	"github.com/bakehq/bake/internal/targets"
)

// plainTarget deploys but cannot read what runs or recover (like asg).
type plainTarget struct{}

func (plainTarget) Deploy(context.Context, targets.Request) ([]targets.Replica, error) {
	return nil, nil
}
func (plainTarget) Retire(context.Context, targets.Request, string) error { return nil }
func (plainTarget) Watch(context.Context, targets.Request, []targets.Replica, time.Duration) error {
	return nil
}

// An interruption on a target that cannot recover is not left silent: it is
// recorded as failed with what to check, its lock is released, and the
// error says so.
func TestRecoverWithoutRecoverer(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir()+"/ledger.db")
	require.NoError(t, err)
	defer store.Close()
	for _, v := range []string{"1.0.0", "1.1.0"} {
		require.NoError(t, store.PutRelease(ctx, ledger.Release{Image: "web", Version: v, Digest: "sha256:" + v,
			Status: ledger.StatusValidated, CreatedAt: time.Now()}))
	}
	host, _ := os.Hostname()
	holder := Holder{User: "ci", Host: host, PID: deadPID(t), Operation: "dead01", What: "promote web@1.1.0"}.String()
	now := time.Now()
	for _, d := range []ledger.Deployment{
		{Version: "1.0.0", Outcome: ledger.OutcomeSucceeded, StartedAt: now, FinishedAt: now},
		{Version: "1.1.0", Previous: "1.0.0", Outcome: ledger.OutcomeStarted, Reason: holder, StartedAt: now},
	} {
		d.Env, d.Image, d.Digest, d.Kind, d.By = "dev", "web", "sha256:"+d.Version, ledger.KindPromote, "ci"
		_, err := store.AppendDeployment(ctx, d)
		require.NoError(t, err)
	}
	_, err = store.Lock(ctx, LockKey("dev"), holder, time.Hour)
	require.NoError(t, err)

	p := project()
	env, _ := p.Environment("dev")
	var progress bytes.Buffer
	d := &Engine{Project: p, Store: store, Target: plainTarget{}, User: "ann", Operation: "op2", Progress: &progress}
	recs, err := d.RecoverImages(ctx, env, []string{"web"})
	require.ErrorIs(t, err, ErrNotRecovered)
	assert.Contains(t, err.Error(), "bake status web --check")
	require.Len(t, recs, 1)
	assert.Equal(t, ActionNotRecovered, recs[0].Action)
	assert.Contains(t, progress.String(), "interrupted: promote web@1.1.0 (replacing 1.0.0)")

	deps, err := store.Deployments(ctx, "web", "dev")
	require.NoError(t, err)
	assert.Equal(t, ledger.OutcomeFailed, deps[0].Outcome)
	assert.Equal(t, "1.1.0", deps[0].Version)
	assert.Contains(t, deps[0].Reason, "interrupted: ")
	assert.True(t, ledger.Finishes(deps[0], deps[1]), "the outcome pairs with the started record")
	_, err = store.Holder(ctx, LockKey("dev"))
	require.ErrorIs(t, err, ledger.ErrNotFound, "the lock is released")
	cur, err := store.Current(ctx, "web", "dev")
	require.NoError(t, err)
	assert.Equal(t, "1.0.0", cur.Version)

	recs, err = d.RecoverImages(ctx, env, []string{"web"})
	require.NoError(t, err)
	assert.Empty(t, recs, "nothing is left to recover")
}
