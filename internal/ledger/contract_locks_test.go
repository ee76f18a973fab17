package ledger_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
)

var lockContract = []contractTest{
	{"LockHeldByAnother", testLockHeldByAnother},
	{"LockRenewBySameHolder", testLockRenewBySameHolder},
	{"LockExpiredIsTakenOver", testLockExpiredIsTakenOver},
	{"Unlock", testUnlock},
	{"LockRejectsBadInput", testLockRejectsBadInput},
	{"Holder", testHolder},
	{"FencedWriteAfterTakeover", testFencedWriteAfterTakeover},
}

// A run whose lock expired and was taken over cannot record anything under
// it: each of its writes is refused, and the new holder's are recorded.
func testFencedWriteAfterTakeover(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	a, b := open(), open()
	seedReleases(t, a, "web", "1.0.0", "1.1.0")

	slow, err := a.Lock(ctx, "env/prod", "host-a", 50*time.Millisecond)
	require.NoError(t, err)
	start := deployment("prod", "web", "1.0.0", 0)
	start.Outcome, start.Reason, start.FinishedAt = ledger.OutcomeStarted, "host-a", time.Time{}
	_, err = a.AppendDeployment(ledger.Fenced(ctx, slow), start)
	require.NoError(t, err, "a write under a held lock is recorded")

	time.Sleep(100 * time.Millisecond)
	taken, err := b.Lock(ctx, "env/prod", "host-b", time.Minute)
	require.NoError(t, err)
	_, err = b.AppendDeployment(ledger.Fenced(ctx, taken), deployment("prod", "web", "1.1.0", 1))
	require.NoError(t, err)

	late := ledger.Fenced(ctx, slow)
	_, err = a.RecordDeployment(late, deployment("prod", "web", "1.0.0", 2),
		&ledger.Pin{Image: "web", Env: "prod", Version: "1.0.0", Pinned: true, By: "host-a", At: t0})
	require.ErrorIs(t, err, ledger.ErrLockLost)
	assert.Contains(t, err.Error(), "env/prod is no longer held by host-a")
	err = a.SetPin(late, ledger.Pin{Image: "web", Env: "prod", Version: "1.0.0", Pinned: true, By: "host-a", At: t0})
	require.ErrorIs(t, err, ledger.ErrLockLost)

	cur, err := b.Current(ctx, "web", "prod")
	require.NoError(t, err)
	assert.Equal(t, "1.1.0", cur.Version, "the slow run's outcome was not recorded")
	_, err = b.Pin(ctx, "web", "prod")
	require.ErrorIs(t, err, ledger.ErrNotFound, "nor its pin")

	// Once released, a lock fences nothing either: its holder is done.
	require.NoError(t, b.Unlock(ctx, taken))
	_, err = b.AppendDeployment(ledger.Fenced(ctx, taken), deployment("prod", "web", "1.1.0", 3))
	require.ErrorIs(t, err, ledger.ErrLockLost)
}

// Holder reads a lock without taking it, expired or not.
func testHolder(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
	_, err := s.Holder(ctx, "env/prod")
	require.ErrorIs(t, err, ledger.ErrNotFound)

	l, err := s.Lock(ctx, "env/prod", "ci-1", time.Millisecond)
	require.NoError(t, err)
	time.Sleep(5 * time.Millisecond)
	got, err := s.Holder(ctx, "env/prod")
	require.NoError(t, err)
	assert.Equal(t, "ci-1", got.Holder)
	assert.True(t, got.Since.Equal(l.Since))
	assert.True(t, got.Expires.Equal(l.Expires))
	assert.True(t, time.Now().After(got.Expires), "an expired lock is still read")

	_, err = s.Lock(ctx, "env/prod", "ci-2", time.Minute)
	require.NoError(t, err, "reading did not take it")
	got, err = s.Holder(ctx, "env/prod")
	require.NoError(t, err)
	assert.Equal(t, "ci-2", got.Holder)
	require.NoError(t, s.Unlock(ctx, got))
	_, err = s.Holder(ctx, "env/prod")
	require.ErrorIs(t, err, ledger.ErrNotFound)
}

func testLockHeldByAnother(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()

	first, err := s.Lock(ctx, "env/prod", "ci-1", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, "env/prod", first.Key)
	assert.Equal(t, "ci-1", first.Holder)
	assert.Equal(t, time.UTC, first.Since.Location())
	assert.Equal(t, time.Minute, first.Expires.Sub(first.Since))

	_, err = s.Lock(ctx, "env/prod", "ci-2", time.Minute)
	require.ErrorIs(t, err, ledger.ErrLocked)
	var locked *ledger.LockedError
	require.True(t, errors.As(err, &locked))
	assert.Equal(t, "env/prod", locked.Key)
	assert.Equal(t, "ci-1", locked.Holder)
	assert.True(t, first.Since.Equal(locked.Since), "since %s, want %s", locked.Since, first.Since)
	assert.Contains(t, err.Error(), "env/prod is locked by ci-1")

	other, err := s.Lock(ctx, "env/qa", "ci-2", time.Minute)
	require.NoError(t, err, "another key is independent")
	assert.Equal(t, "ci-2", other.Holder)
}

func testLockRenewBySameHolder(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
	first, err := s.Lock(ctx, "env/prod", "ci-1", time.Minute)
	require.NoError(t, err)

	renewed, err := s.Lock(ctx, "env/prod", "ci-1", time.Hour)
	require.NoError(t, err)
	assert.True(t, first.Since.Equal(renewed.Since), "renewal keeps since")
	assert.True(t, renewed.Expires.After(first.Expires))
}

func testLockExpiredIsTakenOver(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
	stale, err := s.Lock(ctx, "env/prod", "crashed", 20*time.Millisecond)
	require.NoError(t, err)
	time.Sleep(50 * time.Millisecond)

	taken, err := s.Lock(ctx, "env/prod", "ci-2", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, "ci-2", taken.Holder)
	assert.True(t, taken.Since.After(stale.Since))

	// The old holder coming back neither releases nor retakes the lock.
	require.ErrorIs(t, s.Unlock(ctx, stale), ledger.ErrNotFound)
	_, err = s.Lock(ctx, "env/prod", "crashed", time.Minute)
	require.ErrorIs(t, err, ledger.ErrLocked)
}

func testUnlock(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
	l, err := s.Lock(ctx, "env/prod", "ci-1", time.Minute)
	require.NoError(t, err)

	wrong := l
	wrong.Holder = "ci-2"
	require.ErrorIs(t, s.Unlock(ctx, wrong), ledger.ErrNotFound)
	_, err = s.Lock(ctx, "env/prod", "ci-3", time.Minute)
	require.ErrorIs(t, err, ledger.ErrLocked, "the wrong holder did not release it")

	require.NoError(t, s.Unlock(ctx, l))
	require.ErrorIs(t, s.Unlock(ctx, l), ledger.ErrNotFound, "already released")

	next, err := s.Lock(ctx, "env/prod", "ci-3", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, "ci-3", next.Holder)
}

func testLockRejectsBadInput(t *testing.T, open func() ledger.Store) {
	s := open()
	tests := []struct {
		name, key, holder string
		ttl               time.Duration
		want              string
	}{
		{name: "no key", key: "", holder: "ci", ttl: time.Minute, want: "key is empty"},
		{name: "no holder", key: "env/prod", holder: "", ttl: time.Minute, want: "holder is empty"},
		{name: "zero ttl", key: "env/prod", holder: "ci", ttl: 0, want: "ttl 0s is not positive"},
		{name: "negative ttl", key: "env/prod", holder: "ci", ttl: -time.Second, want: "ttl -1s is not positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Lock(t.Context(), tt.key, tt.holder, tt.ttl)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotErrorIs(t, err, ledger.ErrLocked)
		})
	}
}
