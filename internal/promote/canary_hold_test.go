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

// --step holds the canary after each step change with the lock released;
// meanwhile it is neither interrupted nor replaced; --continue analyses
// the held step and goes on, holding again if asked.
func TestCanaryHeldAndContinued(t *testing.T) {
	ctx := context.Background()
	e, fake, _ := newCanaryEngine(t)
	res, err := e.Promote(ctx, PromoteRequest{Image: "web", Version: "1.1.0", To: "dev", Step: true})
	require.NoError(t, err)
	require.NotNil(t, res.Canary)
	assert.Equal(t, ledger.CanaryProgress{Step: 1, Steps: 2, Weight: 10, Held: true}, *res.Canary)
	assert.Equal(t, []string{"start 1.1.0", "shift 10"}, fake.Calls())
	_, err = e.Store.Holder(ctx, LockKey("dev"))
	require.ErrorIs(t, err, ledger.ErrNotFound, "the lock is released while held")

	ints, err := Interrupted(ctx, e.Store, "dev", []string{"web"})
	require.NoError(t, err)
	assert.Empty(t, ints, "a held canary is not interrupted")
	st, err := CanaryUnderWay(ctx, e.Store, "web", "dev")
	require.NoError(t, err)
	require.NotNil(t, st)
	assert.True(t, st.Held())

	recs, _, err := e.Recover(ctx, RecoverRequest{Env: "dev"})
	require.NoError(t, err)
	assert.Empty(t, recs, "recover leaves a held canary alone: a person ends it")

	for _, other := range []PromoteRequest{{Image: "web", Version: "1.1.0", To: "dev"}, {Image: "web", Version: "1.0.0", To: "dev"}} {
		_, err = e.Promote(ctx, other)
		require.ErrorIs(t, err, ErrRefused)
		assert.Contains(t, err.Error(), "`bake promote web --env dev --continue`")
		assert.Contains(t, err.Error(), "`bake abort web --env dev`")
	}

	_, err = e.Continue(ctx, ContinueRequest{Image: "web", Env: "dev", Version: "1.0.0"})
	require.ErrorIs(t, err, ErrUnknown, "another version than the one held is bad input")
	res, err = e.Continue(ctx, ContinueRequest{Image: "web", Env: "dev", Step: true})
	require.NoError(t, err)
	assert.Equal(t, ledger.CanaryProgress{Step: 2, Steps: 2, Weight: 50, Held: true}, *res.Canary)
	res, err = e.Continue(ctx, ContinueRequest{Image: "web", Env: "dev"})
	require.NoError(t, err)
	assert.Nil(t, res.Canary)
	assert.Equal(t, ledger.OutcomeSucceeded, res.Deployment.Outcome)
	assert.Equal(t, []string{"start 1.1.0", "shift 10", "start 1.1.0", "shift 50", "start 1.1.0", "shift 100", "retire 1.0.0"}, fake.Calls())

	deps := history(t, e)
	assert.Equal(t, []string{
		"promote started 1.1.0",
		"promote step 1.1.0 step 1/2 (10%) held",
		"promote step 1.1.0 step 2/2 (50%) held",
		"promote succeeded 1.1.0",
	}, outcomes(deps))
	assert.NotEmpty(t, deps[2].Analysis, "continuing analysed what the held step served")
	assert.True(t, deps[1].Canary.Until.IsZero(), "a held step has no end")

	_, err = e.Continue(ctx, ContinueRequest{Image: "web", Env: "dev"})
	require.ErrorIs(t, err, ErrUnknown, "nothing held: bad input")
	assert.Contains(t, err.Error(), "nothing to continue")
}

// `bake abort` sends every request back from a held canary and records it
// failed, aborted by the user; the environment's release never changed,
// so nothing is rolled back or pinned. Nothing left to abort is bad input.
func TestCanaryAborted(t *testing.T) {
	ctx := context.Background()
	e, fake, recorded := newCanaryEngine(t)
	_, err := e.Promote(ctx, PromoteRequest{Image: "web", Version: "1.1.0", To: "dev", Step: true})
	require.NoError(t, err)
	res, err := e.Abort(ctx, AbortRequest{Image: "web", Env: "dev"})
	require.NoError(t, err)
	assert.True(t, res.Aborted)
	assert.Equal(t, ledger.OutcomeFailed, res.Deployment.Outcome)
	assert.Equal(t, "aborted by ann at step 1/2 (10%); every request is back on 1.0.0", res.Deployment.Reason)
	assert.Equal(t, []string{"start 1.1.0", "shift 10", "abort 1.1.0"}, fake.Calls())
	assert.Equal(t, []string{"promote failed 1.1.0"}, outcomes(*recorded))
	cur, err := e.Store.Current(ctx, "web", "dev")
	require.NoError(t, err)
	assert.Equal(t, "1.0.0", cur.Version)
	_, err = e.Store.Pin(ctx, "web", "dev")
	require.ErrorIs(t, err, ledger.ErrNotFound)

	_, err = e.Abort(ctx, AbortRequest{Image: "web", Env: "dev"})
	require.ErrorIs(t, err, ErrUnknown)
	assert.Contains(t, err.Error(), "nothing to abort: no canary of web is under way in \"dev\"")

	// A new promote may go ahead now.
	_, err = e.Promote(ctx, PromoteRequest{Image: "web", Version: "1.1.0", To: "dev"})
	require.NoError(t, err)
}

// A rollback while a canary is held aborts it, and rolls back no further;
// rollbacks never step.
func TestRollbackAbortsAHeldCanary(t *testing.T) {
	ctx := context.Background()
	e, fake, _ := newCanaryEngine(t)
	_, err := e.Promote(ctx, PromoteRequest{Image: "web", Version: "1.1.0", To: "dev", Step: true})
	require.NoError(t, err)
	res, err := e.Rollback(ctx, RollbackRequest{Image: "web", Env: "dev"})
	require.NoError(t, err)
	assert.True(t, res.Aborted)
	assert.Contains(t, res.Deployment.Reason, "aborted by ann (`bake rollback`) at step 1/2 (10%)")
	assert.Equal(t, []string{"start 1.1.0", "shift 10", "abort 1.1.0"}, fake.Calls())

	// A finished canary rolls back as blue-green does: at once.
	fake.calls = nil
	_, err = e.Promote(ctx, PromoteRequest{Image: "web", Version: "1.1.0", To: "dev"})
	require.NoError(t, err)
	fake.calls = nil
	res, err = e.Rollback(ctx, RollbackRequest{Image: "web", Env: "dev"})
	require.NoError(t, err)
	assert.Equal(t, "1.0.0", res.Deployment.Version)
	assert.Equal(t, []string{"deploy 1.0.0", "retire 1.1.0"}, fake.Calls())
	assert.Empty(t, res.Deployment.Strategy)
}

// A canary whose bake was killed mid-step (not held) is interrupted:
// recovery ends it and records it failed; the recorded release serves on.
func TestCanaryKilledMidStepIsRecovered(t *testing.T) {
	ctx := context.Background()
	e, fake, _ := newCanaryEngine(t)
	host, _ := os.Hostname()
	gone := Holder{User: "ann", Host: host, PID: deadPID(t), Operation: "op2", What: "promote web@1.1.0"}.String()
	at := time.Now().UTC()
	started := ledger.Deployment{Env: "dev", Image: "web", Version: "1.1.0", Digest: testDigest("1.1.0"), Previous: "1.0.0",
		Kind: ledger.KindPromote, Outcome: ledger.OutcomeStarted, StartedAt: at, By: "ann", Reason: gone, Strategy: ledger.StrategyCanary}
	step := started
	step.Outcome, step.Reason, step.FinishedAt = ledger.OutcomeStep, "", at.Add(time.Second)
	step.Canary = &ledger.CanaryProgress{Step: 1, Steps: 2, Weight: 10, Until: at.Add(time.Minute)}
	for _, d := range []ledger.Deployment{started, step} {
		_, err := e.Store.AppendDeployment(ctx, d)
		require.NoError(t, err)
	}
	fake.weight = 10

	recs, _, err := e.Recover(ctx, RecoverRequest{Env: "dev"})
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, ActionReverted, recs[0].Action)
	assert.Equal(t, []string{"recover 1.1.0"}, fake.Calls())
	require.NotNil(t, recs[0].Recorded)
	assert.Equal(t, ledger.OutcomeFailed, recs[0].Recorded.Outcome)
	assert.Contains(t, recs[0].Recorded.Reason, "interrupted")
	st, err := CanaryUnderWay(ctx, e.Store, "web", "dev")
	require.NoError(t, err)
	assert.Nil(t, st, "the canary is over")
}

// A `--continue` killed before it recorded the next step leaves the lock
// behind: the held canary is then interrupted, and recovery ends it.
func TestCanaryContinueKilledIsRecovered(t *testing.T) {
	ctx := context.Background()
	e, fake, _ := newCanaryEngine(t)
	_, err := e.Promote(ctx, PromoteRequest{Image: "web", Version: "1.1.0", To: "dev", Step: true})
	require.NoError(t, err)
	host, _ := os.Hostname()
	gone := Holder{User: "ann", Host: host, PID: deadPID(t), Operation: "op3", What: "promote web@1.1.0"}.String()
	_, err = e.Store.Lock(ctx, LockKey("dev"), gone, time.Hour)
	require.NoError(t, err)

	recs, _, err := e.Recover(ctx, RecoverRequest{Env: "dev"})
	require.NoError(t, err)
	require.Len(t, recs, 1)
	assert.Equal(t, []string{"start 1.1.0", "shift 10", "recover 1.1.0"}, fake.Calls())
	require.NotNil(t, recs[0].Recorded)
	assert.Equal(t, ledger.OutcomeFailed, recs[0].Recorded.Outcome)
	_, err = e.Store.Holder(ctx, LockKey("dev"))
	require.ErrorIs(t, err, ledger.ErrNotFound, "the lock left behind is released")
}

// A rollback plan while a canary is held says what the rollback does: it
// aborts the canary and the release that served before it keeps serving;
// a promote plan shows the held canary as an unmet gate, as promote refuses.
func TestPlansWhileACanaryIsHeld(t *testing.T) {
	ctx := context.Background()
	e, _, _ := newCanaryEngine(t)
	_, err := e.Promote(ctx, PromoteRequest{Image: "web", Version: "1.1.0", To: "dev", Step: true})
	require.NoError(t, err)
	for _, to := range []string{"", "1.0.0"} {
		plan, err := e.PlanRollback(ctx, RollbackRequest{Image: "web", Env: "dev", To: to})
		require.NoError(t, err)
		assert.Equal(t, &PlannedAbort{Version: "1.1.0", Step: 1, Steps: 2, Weight: 10, BackOn: "1.0.0"}, plan.Aborts)
		assert.True(t, plan.Unchanged)
		assert.Equal(t, "1.0.0", plan.Target)
		assert.Equal(t, "1.0.0", plan.Current)
		require.NotNil(t, plan.Actions)
		assert.Contains(t, plan.Actions.Steps[0], "send every request back to 1.0.0")
	}
	res, err := e.Rollback(ctx, RollbackRequest{Image: "web", Env: "dev"})
	require.NoError(t, err)
	assert.True(t, res.Aborted, "the rollback did what its plan said")
	cur, err := e.Store.Current(ctx, "web", "dev")
	require.NoError(t, err)
	assert.Equal(t, "1.0.0", cur.Version)

	_, err = e.Promote(ctx, PromoteRequest{Image: "web", Version: "1.1.0", To: "dev", Step: true})
	require.NoError(t, err)
	plan, err := e.Plan(ctx, PromoteRequest{Image: "web", Version: "1.1.0", To: "dev"})
	require.ErrorIs(t, err, ErrRefused)
	assert.False(t, plan.Allowed)
	assert.Contains(t, err.Error(), "no canary held: web@1.1.0 gets 10% of requests (step 1/2), held")
	_, err = e.Promote(ctx, PromoteRequest{Image: "web", Version: "1.1.0", To: "dev"})
	require.ErrorIs(t, err, ErrRefused, "the promote refuses as its plan said")
}
