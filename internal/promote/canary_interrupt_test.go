package promote

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
)

// runningCanary records a canary of web@1.1.0 at its first step in dev,
// run by holder, who holds dev's lock.
func runningCanary(t *testing.T, e *Engine, holder Holder) {
	t.Helper()
	ctx := context.Background()
	at := time.Now().UTC()
	started := ledger.Deployment{Env: "dev", Image: "web", Version: "1.1.0", Digest: testDigest("1.1.0"), Previous: "1.0.0",
		Kind: ledger.KindPromote, Outcome: ledger.OutcomeStarted, StartedAt: at, By: holder.User, Reason: holder.String(), Strategy: ledger.StrategyCanary}
	step := started
	step.Outcome, step.Reason, step.FinishedAt = ledger.OutcomeStep, "", at.Add(time.Second)
	step.Canary = &ledger.CanaryProgress{Step: 1, Steps: 2, Weight: 10, Until: at.Add(time.Hour)}
	for _, d := range []ledger.Deployment{started, step} {
		_, err := e.Store.AppendDeployment(ctx, d)
		require.NoError(t, err)
	}
	_, err := e.Store.Lock(ctx, LockKey("dev"), holder.String(), time.Hour)
	require.NoError(t, err)
}

// A canary run by a bake on another host cannot be interrupted from here:
// the abort is refused in one line naming that host and pid and what to do.
func TestAbortCanaryRunOnAnotherHost(t *testing.T) {
	e, fake, _ := newCanaryEngine(t)
	runningCanary(t, e, Holder{User: "ann", Host: "build-7", PID: 4242, Operation: "op1", What: "promote web@1.1.0"})

	_, err := e.Abort(context.Background(), AbortRequest{Image: "web", Env: "dev"})
	require.ErrorIs(t, err, ledger.ErrLocked)
	assert.Equal(t, `aborting the canary of web@1.1.0 in "dev": the bake running it is on host build-7 (pid 4242): `+
		"press Ctrl-C there, or run `bake abort web --env dev` on build-7", err.Error())
	assert.Empty(t, fake.Calls(), "nothing was sent back from here")
}

// A live process on this host holding the lock for something other than
// the canary's run is never sent a Ctrl-C: the abort is refused as locked.
func TestAbortCanaryLockedByAnotherOperation(t *testing.T) {
	e, fake, _ := newCanaryEngine(t)
	host, _ := os.Hostname()
	runningCanary(t, e, Holder{User: "ann", Host: host, PID: os.Getpid(), Operation: "op1", What: "recover dev"})

	_, err := e.Abort(context.Background(), AbortRequest{Image: "web", Env: "dev"})
	require.ErrorIs(t, err, ledger.ErrLocked)
	assert.Contains(t, err.Error(), "recover dev")
	assert.Empty(t, fake.Calls())
}

// The note `bake abort` leaves before its Ctrl-C is what the running
// bake (same operation id) reads to word the canary's end; it is removed
// once the abort is done, and an operation id naming no file gets none.
func TestAbortNote(t *testing.T) {
	dir := t.TempDir()
	aborter := &Engine{AbortDir: dir}
	running := &Engine{AbortDir: dir, Operation: "op7"}
	assert.Empty(t, running.abortNote(), "no note: a Ctrl-C at its own terminal")
	done := aborter.leaveAbortNote("op7", "aborted by ann", 4242)
	assert.Regexp(t, `^aborted by ann from another terminal \(pid \d+, at \d\d:\d\d:\d\d\)$`, running.abortNote())
	assert.Empty(t, (&Engine{AbortDir: dir, Operation: "op8"}).abortNote(), "another run's note is not its own")
	done()
	assert.Empty(t, running.abortNote())
	assert.Empty(t, aborter.abortNotePath("../x"))
}
