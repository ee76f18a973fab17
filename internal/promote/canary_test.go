package promote

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/analysis"
	"github.com/bakehq/bake/internal/ledger"
)

// outcomes says each record as "outcome version", with a step's weight
// and hold: "step 1.1.0 10%".
func outcomes(deps []ledger.Deployment) []string {
	var out []string
	for _, d := range deps {
		s := d.Kind + " " + d.Outcome + " " + d.Version
		if d.Canary != nil {
			s += " " + stepLabel(d.Canary.Step, d.Canary.Steps, d.Canary.Weight)
			if d.Canary.Held {
				s += " held"
			}
		}
		out = append(out, s)
	}
	return out
}

// A canary that stays within its limits gets each step's share for the
// step's pause, then every request; each step change is recorded, with
// the analysis of the step before it, and the outcome with the last.
func TestCanaryPassesEveryStep(t *testing.T) {
	ctx := context.Background()
	e, fake, recorded := newCanaryEngine(t)
	began := time.Now()
	res, err := e.Promote(ctx, PromoteRequest{Image: "web", Version: "1.1.0", To: "dev"})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(began), 600*time.Millisecond, "each step lasts its pause")
	assert.Equal(t, []string{"start 1.1.0", "shift 10", "shift 50", "shift 100", "retire 1.0.0"}, fake.Calls())
	assert.Equal(t, ledger.OutcomeSucceeded, res.Deployment.Outcome)
	assert.Equal(t, "canary", res.Deployment.Strategy)
	assert.NotEmpty(t, res.Deployment.Analysis, "the outcome holds the last step's measurements")

	deps := history(t, e)
	assert.Equal(t, []string{
		"promote started 1.1.0",
		"promote step 1.1.0 step 1/2 (10%)",
		"promote step 1.1.0 step 2/2 (50%)",
		"promote succeeded 1.1.0",
	}, outcomes(deps))
	assert.Empty(t, deps[1].Analysis, "nothing was analysed before the first step")
	assert.NotEmpty(t, deps[2].Analysis, "the second step's record holds the first step's measurements")
	// A pause of 300 ms analysed every 50 ms looks 6 times; the step's
	// verdict is its last look's, held to half of 1-Confidence.
	assert.Equal(t, "p=1, level 0.025 (last look of 6)", deps[2].Analysis[0].Detail)
	assert.Equal(t, "p=1, level 0.025 (last look of 6)", res.Deployment.Analysis[0].Detail)
	assert.WithinDuration(t, deps[1].FinishedAt.Add(300*time.Millisecond), deps[1].Canary.Until, time.Millisecond)
	cur, err := e.Store.Current(ctx, "web", "dev")
	require.NoError(t, err)
	assert.Equal(t, "1.1.0", cur.Version)
	assert.Equal(t, []string{"promote succeeded 1.1.0"}, outcomes(*recorded), "step records reach no webhook")
}

// A canary whose error rate is beyond its limit is stopped at the first
// step: every request goes back, the canary is recorded failed with the
// values, the switch back as an automatic rollback that pins, and both
// reach the webhook.
func TestCanaryFailedAnalysisRollsBackAutomatically(t *testing.T) {
	ctx := context.Background()
	e, fake, recorded := newCanaryEngine(t)
	fake.served = func(int) (analysis.Sample, analysis.Sample) {
		return sample(400, 40, 10*time.Millisecond), sample(2000, 2, 10*time.Millisecond)
	}
	res, err := e.Promote(ctx, PromoteRequest{Image: "web", Version: "1.1.0", To: "dev"})
	require.ErrorIs(t, err, ErrFailed)
	assert.Contains(t, err.Error(), "web@1.1.0 failed its canary analysis in \"dev\" at step 1/2 (10%): error rate 10.0%")
	assert.Contains(t, err.Error(), "every request is back on 1.0.0, and \"dev\" is pinned there")
	assert.Equal(t, []string{"start 1.1.0", "shift 10", "abort 1.1.0"}, fake.Calls())
	assert.True(t, res.Pinned)

	deps := history(t, e)
	assert.Equal(t, []string{
		"promote started 1.1.0",
		"promote step 1.1.0 step 1/2 (10%)",
		"promote failed 1.1.0",
		"auto-rollback started 1.0.0",
		"auto-rollback succeeded 1.0.0",
	}, outcomes(deps))
	failed, back := deps[2], deps[4]
	assert.Contains(t, failed.Reason, "error rate 10.0%")
	assert.Contains(t, failed.Reason, "p<0.001, level 0.005 (look 1 of 6)", "stopped at the first look, held to its stricter level")
	assert.NotEmpty(t, failed.Analysis)
	assert.Equal(t, "1.1.0", back.Previous)
	assert.Regexp(t, `^canary analysis failed: error rate 10\.0%`, back.Reason)
	assert.NotEmpty(t, back.Analysis)
	pin, err := e.Store.Pin(ctx, "web", "dev")
	require.NoError(t, err)
	assert.True(t, pin.Pinned)
	assert.Equal(t, "1.0.0", pin.Version)
	assert.Regexp(t, `^automatic rollback from 1\.1\.0: canary analysis failed: error rate 10\.0%`, pin.Reason)
	assert.Equal(t, []string{"promote failed 1.1.0", "auto-rollback succeeded 1.0.0"}, outcomes(*recorded))
}

// Too few requests to judge by the end of a step aborts too, saying so.
func TestCanaryInconclusiveAtTheEndOfAStepAborts(t *testing.T) {
	ctx := context.Background()
	e, fake, _ := newCanaryEngine(t)
	fake.served = func(int) (analysis.Sample, analysis.Sample) {
		return sample(3, 0, 10*time.Millisecond), sample(30, 0, 10*time.Millisecond)
	}
	_, err := e.Promote(ctx, PromoteRequest{Image: "web", Version: "1.1.0", To: "dev"})
	require.ErrorIs(t, err, ErrFailed)
	assert.Contains(t, err.Error(), "too few requests")
	assert.Contains(t, err.Error(), "min_requests")
	assert.Equal(t, []string{"start 1.1.0", "shift 10", "abort 1.1.0"}, fake.Calls())
}

// Ctrl-C during a step sends every request back and records the canary
// failed, interrupted; nothing is rolled back, as nothing changed.
func TestCanaryInterruptedSendsTrafficBack(t *testing.T) {
	e, fake, _ := newCanaryEngine(t)
	fake.shifted = make(chan int, 4)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-fake.shifted
		cancel()
	}()
	_, err := e.Promote(ctx, PromoteRequest{Image: "web", Version: "1.1.0", To: "dev"})
	require.ErrorIs(t, err, ErrFailed)
	assert.Contains(t, err.Error(), "interrupted")
	assert.Equal(t, []string{"start 1.1.0", "shift 10", "abort 1.1.0"}, fake.Calls())
	deps := history(t, e)
	assert.Equal(t, []string{"promote started 1.1.0", "promote step 1.1.0 step 1/2 (10%)", "promote failed 1.1.0"}, outcomes(deps))
	assert.Contains(t, deps[2].Reason, "interrupted")
	cur, err := e.Store.Current(context.Background(), "web", "dev")
	require.NoError(t, err)
	assert.Equal(t, "1.0.0", cur.Version)
}

// A pause's looks: one per whole interval before its end and one at its
// end; only the one at the end is the last, however many came before.
func TestPauseLooks(t *testing.T) {
	assert.Equal(t, 6, looksIn(300*time.Millisecond, 50*time.Millisecond))
	assert.Equal(t, 12, looksIn(time.Minute, 5*time.Second))
	assert.Equal(t, 3, looksIn(11*time.Second, 5*time.Second), "5 s, 10 s, and the end at 11 s")
	assert.Equal(t, 1, looksIn(2*time.Second, 5*time.Second))
	assert.Equal(t, analysis.Look{N: 2, Of: 6}, lookAt(2, 6, false))
	assert.Equal(t, analysis.Look{N: 6, Of: 6}, lookAt(4, 6, true), "the pause ended early: its last look")
	assert.Equal(t, analysis.Look{N: 5, Of: 6}, lookAt(7, 6, false), "a late look before the end is no last look")
	assert.Equal(t, analysis.Look{N: 1, Of: 1}, lookAt(1, 1, true))
}
