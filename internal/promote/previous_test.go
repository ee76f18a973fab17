package promote

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
)

// history builds deployments newest first from steps written oldest first:
// "p 1.1.0" a succeeded promote, "r 1.0.0" a rollback, "a 1.0.0" an
// automatic rollback, "f 1.2.0" a failed promote, "s 1.2.0" a started one.
func history(steps ...string) []ledger.Deployment {
	var deps []ledger.Deployment
	running := ""
	for i, s := range steps {
		kind, outcome := ledger.KindPromote, ledger.OutcomeSucceeded
		switch s[0] {
		case 'r':
			kind = ledger.KindRollback
		case 'a':
			kind = ledger.KindAutoRollback
		case 'f':
			outcome = ledger.OutcomeFailed
		case 's':
			outcome = ledger.OutcomeStarted
		}
		v := s[2:]
		deps = append([]ledger.Deployment{{ID: int64(i + 1), Version: v, Previous: running, Kind: kind, Outcome: outcome}}, deps...)
		if outcome == ledger.OutcomeSucceeded {
			running = v
		}
	}
	return deps
}

func TestRollbackOrder(t *testing.T) {
	tests := []struct {
		name  string
		steps []string // oldest first
		want  []string // nearest first; the first is the previous good release
	}{
		{"nothing deployed", nil, nil},
		{"one release", []string{"p 1.0.0"}, nil},
		{"the release before", []string{"p 1.0.0", "p 1.1.0"}, []string{"1.0.0"}},
		{"a re-promoted release counts again (defect: went back to 1.0.0)",
			[]string{"p 1.0.0", "p 1.1.0", "r 1.0.0", "p 1.1.0", "p 1.2.0"}, []string{"1.1.0", "1.0.0"}},
		{"a rollback does not go forward to what it left",
			[]string{"p 1.0.0", "p 1.1.0", "p 1.2.0", "r 1.1.0"}, []string{"1.0.0"}},
		{"repeated rollbacks walk further back",
			[]string{"p 1.0.0", "p 1.1.0", "p 1.2.0", "r 1.1.0", "r 1.0.0"}, nil},
		{"a rollback of a rollback after a re-promotion",
			[]string{"p 1.0.0", "p 1.1.0", "r 1.0.0", "p 1.1.0", "r 1.0.0"}, nil},
		{"rolled back with --to past several releases",
			[]string{"p 1.0.0", "p 1.1.0", "p 1.2.0", "r 1.0.0", "p 1.3.0"}, []string{"1.0.0", "1.1.0"}},
		{"an automatic rollback moves away from the failed release",
			[]string{"p 1.0.0", "p 1.1.0", "a 1.0.0", "p 1.2.0"}, []string{"1.0.0"}},
		{"an auto-rolled-back release that later succeeded counts again",
			[]string{"p 1.0.0", "p 1.1.0", "a 1.0.0", "p 1.1.0", "p 1.2.0"}, []string{"1.1.0", "1.0.0"}},
		{"failed and started deploys between never count",
			[]string{"p 1.0.0", "f 1.1.0", "p 1.2.0", "s 1.3.0", "f 1.3.0"}, []string{"1.0.0"}},
		{"a failed deploy of what runs keeps what ran before",
			[]string{"p 1.0.0", "p 1.1.0", "f 1.2.0"}, []string{"1.0.0"}},
		{"the same version deployed twice is listed once",
			[]string{"p 1.0.0", "p 1.1.0", "p 1.0.0", "p 1.2.0"}, []string{"1.0.0", "1.1.0"}},
		{"what runs now is never a target, even from older records",
			[]string{"p 1.0.0", "p 1.1.0", "p 1.0.0"}, []string{"1.1.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, d := range RollbackOrder(history(tt.steps...)) {
				got = append(got, d.Version)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestChooseRollback(t *testing.T) {
	ctx := context.Background()
	store, err := ledger.OpenSQLite(ctx, t.TempDir()+"/ledger.db")
	require.NoError(t, err)
	defer store.Close()
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0", "1.3.0"} {
		require.NoError(t, store.PutRelease(ctx, ledger.Release{Image: "web", Version: v, Digest: testDigest(v), Reference: testRef(v),
			Status: ledger.StatusValidated, CreatedAt: time.Now()}))
	}
	steps := history("p 1.0.0", "p 1.1.0", "p 1.2.0", "p 1.3.0")
	for i := len(steps) - 1; i >= 0; i-- {
		d := steps[i]
		d.ID, d.Env, d.Image, d.Digest, d.By, d.StartedAt, d.FinishedAt = 0, "prod", "web", testDigest(d.Version), "t", time.Now(), time.Now()
		_, err := store.AppendDeployment(ctx, d)
		require.NoError(t, err)
	}
	require.NoError(t, store.Revoke(ctx, ledger.Revocation{Image: "web", Version: "1.2.0", Reason: "leaks memory", By: "sec"}))

	c, err := ChooseRollback(ctx, store, "web", "prod", "")
	require.NoError(t, err)
	assert.Equal(t, "1.1.0", c.Target.Version, "the revoked 1.2.0 is passed over")
	require.Len(t, c.Skipped, 1)
	assert.Contains(t, c.Skipped[0], "1.2.0: was revoked by sec")
	assert.Contains(t, c.Skipped[0], "leaks memory")

	_, err = ChooseRollback(ctx, store, "web", "prod", "1.2.0")
	require.ErrorIs(t, err, ErrRefused, "--to a revoked release is refused")
	assert.Contains(t, err.Error(), "leaks memory")

	c, err = ChooseRollback(ctx, store, "web", "prod", "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, "1.0.0", c.Target.Version)

	_, err = ChooseRollback(ctx, store, "web", "prod", "0.9.0")
	require.ErrorIs(t, err, ErrNeverRan)

	_, err = ChooseRollback(ctx, store, "web", "dev", "")
	require.ErrorIs(t, err, ErrNothingToRollBack)
	require.ErrorIs(t, err, ErrRefused)

	for _, v := range []string{"1.0.0", "1.1.0"} {
		require.NoError(t, store.Revoke(ctx, ledger.Revocation{Image: "web", Version: v, Reason: "bad", By: "sec"}))
	}
	_, err = ChooseRollback(ctx, store, "web", "prod", "")
	require.ErrorIs(t, err, ErrNothingToRollBack)
	assert.Contains(t, err.Error(), "1.0.0: was revoked")
}
