package promote

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/analysis"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
)

// heldAtStep1 is an engine whose dev holds web@1.1.0 at step 1/2 (10%).
func heldAtStep1(t *testing.T) (*Engine, *canaryTarget) {
	t.Helper()
	e, fake, _ := newCanaryEngine(t)
	_, err := e.Promote(context.Background(), PromoteRequest{Image: "web", Version: "1.1.0", To: "dev", Step: true})
	require.NoError(t, err)
	fake.calls = nil
	return e, fake
}

// assertStillHeld checks that the canary is held at step 1 as before:
// no record, no step change.
func assertStillHeld(t *testing.T, e *Engine, fake *canaryTarget) {
	t.Helper()
	assert.NotContains(t, fake.Calls(), "shift 50")
	assert.NotContains(t, fake.Calls(), "shift 100")
	assert.Equal(t, []string{"promote started 1.1.0", "promote step 1.1.0 step 1/2 (10%) held"}, outcomes(history(t, e)))
}

// Going on with a held canary is a promotion: a locked environment
// refuses it (exit 3), and so does a revocation since it began; abort
// stays allowed.
func TestContinueRefusedWhileLockedOrRevoked(t *testing.T) {
	ctx := context.Background()
	e, fake := heldAtStep1(t)
	_, _, err := LockEnv(ctx, e.Store, "dev", "freeze", "bob")
	require.NoError(t, err)
	_, err = e.Continue(ctx, ContinueRequest{Image: "web", Env: "dev"})
	require.ErrorIs(t, err, ErrRefused)
	assert.Contains(t, err.Error(), `"dev" is locked by bob`)
	assertStillHeld(t, e, fake)
	_, err = UnlockEnv(ctx, e.Store, "dev", "bob")
	require.NoError(t, err)

	require.NoError(t, e.Store.Revoke(ctx, ledger.Revocation{Image: "web", Version: "1.1.0", Reason: "leaks", By: "bob", At: time.Now()}))
	_, err = e.Continue(ctx, ContinueRequest{Image: "web", Env: "dev", Unjudged: true})
	require.ErrorIs(t, err, ErrRefused)
	assert.Contains(t, err.Error(), "web@1.1.0 was revoked by bob: leaks")
	assertStillHeld(t, e, fake)

	_, _, err = LockEnv(ctx, e.Store, "dev", "freeze", "bob")
	require.NoError(t, err)
	res, err := e.Abort(ctx, AbortRequest{Image: "web", Env: "dev"})
	require.NoError(t, err, "abort moves back: a lock does not stop it")
	assert.True(t, res.Aborted)
}

// A held step too few requests reached cannot be judged: going on is
// refused and nothing changes; --unjudged goes on, and the next record
// says so, who asked, and what was seen.
func TestContinueUnjudged(t *testing.T) {
	ctx := context.Background()
	e, fake := heldAtStep1(t)
	fake.served = func(int) (analysis.Sample, analysis.Sample) { return analysis.Sample{}, analysis.Sample{} }
	_, err := e.Continue(ctx, ContinueRequest{Image: "web", Env: "dev"})
	require.ErrorIs(t, err, ErrRefused)
	assert.Contains(t, err.Error(), "cannot be judged at step 1/2 (10%): too few requests yet: 0 to the canary, 0 to the baseline (min_requests 50 each); it stays held")
	assert.Contains(t, err.Error(), "`bake promote web --env dev --continue --unjudged`")
	assert.NotContains(t, err.Error(), "\n")
	assertStillHeld(t, e, fake)

	res, err := e.Continue(ctx, ContinueRequest{Image: "web", Env: "dev", Step: true, Unjudged: true})
	require.NoError(t, err)
	assert.Equal(t, ledger.CanaryProgress{Step: 2, Steps: 2, Weight: 50, Held: true}, *res.Canary)
	step := history(t, e)[2]
	assert.Equal(t, "went on from step 1/2 (10%) unjudged, as ann asked (--unjudged): too few requests yet: 0 to the canary, 0 to the baseline (min_requests 50 each)", step.Reason)
	require.NotEmpty(t, step.Analysis, "what the held step served is recorded")
	assert.Equal(t, "requests", step.Analysis[0].Name)

	res, err = e.Continue(ctx, ContinueRequest{Image: "web", Env: "dev", Unjudged: true})
	require.NoError(t, err)
	assert.Equal(t, ledger.OutcomeSucceeded, res.Deployment.Outcome)
	assert.Contains(t, res.Deployment.Reason, "went on from step 2/2 (50%) unjudged, as ann asked")
	assert.NotEmpty(t, res.Deployment.Analysis)
	last := history(t, e)
	assert.Equal(t, res.Deployment.Reason, last[len(last)-1].Reason)

	// A verdict makes --unjudged say nothing.
	fake.served = nil
	_, err = e.Promote(ctx, PromoteRequest{Image: "web", Version: "1.0.0", To: "dev", Step: true})
	require.NoError(t, err)
	res, err = e.Continue(ctx, ContinueRequest{Image: "web", Env: "dev", Unjudged: true})
	require.NoError(t, err)
	assert.Empty(t, res.Deployment.Reason)
}

// A held canary goes on only with the steps it began with: when
// bake.yaml's no longer match what its records keep, going on is bad
// input and nothing changes.
func TestContinueRefusedWhenStepsChanged(t *testing.T) {
	ctx := context.Background()
	for name, change := range map[string]struct {
		edit func(*config.Target)
		want string
	}{
		"blue-green":   {func(t *config.Target) { t.Strategy, t.Steps = config.BlueGreen, nil }, "(2 steps then, 0 now: strategy blue-green)"},
		"three steps":  {func(t *config.Target) { t.Steps = append(t.Steps, config.CanaryStep{Weight: 80, Pause: time.Second}) }, "(2 steps then, 3 now)"},
		"other weight": {func(t *config.Target) { t.Steps = []config.CanaryStep{{Weight: 20, Pause: time.Second}, t.Steps[1]} }, "(2 steps then, 2 now, step 1 was 10% and is 20% now)"},
	} {
		t.Run(name, func(t *testing.T) {
			e, fake := heldAtStep1(t)
			dev, _ := e.Project.Environment("dev")
			tgt := *dev.Targets["web"]
			change.edit(&tgt)
			dev.Targets = map[string]*config.Target{"web": &tgt}
			_, err := e.Continue(ctx, ContinueRequest{Image: "web", Env: "dev"})
			require.ErrorIs(t, err, ErrUnknown)
			assert.Equal(t, "bake.yaml's steps for web in \"dev\" changed since the canary began "+change.want+
				": restore them or `bake abort web --env dev`", err.Error())
			assertStillHeld(t, e, fake)
			assert.Empty(t, fake.Calls())
		})
	}
}
