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

// `bake abort` of a canary whose bake was killed mid-step ends it as
// aborted: every request back, one outcome record, "aborted by" the user,
// never "recovered"; a second abort has nothing to abort.
func TestAbortOfAKilledCanary(t *testing.T) {
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
	before, err := e.Store.Deployments(ctx, "web", "dev")
	require.NoError(t, err)

	res, err := e.Abort(ctx, AbortRequest{Image: "web", Env: "dev"})
	require.NoError(t, err)
	assert.True(t, res.Aborted)
	assert.Equal(t, ledger.OutcomeFailed, res.Deployment.Outcome)
	assert.Contains(t, res.Deployment.Reason, "aborted by "+e.User+" after the bake running it stopped (ann on ")
	assert.NotContains(t, res.Deployment.Reason, "recovered")
	assert.Equal(t, []string{"recover 1.1.0"}, fake.Calls())
	after, err := e.Store.Deployments(ctx, "web", "dev")
	require.NoError(t, err)
	assert.Len(t, after, len(before)+1, "one record: the canary's end")
	st, err := CanaryUnderWay(ctx, e.Store, "web", "dev")
	require.NoError(t, err)
	assert.Nil(t, st, "the canary is over")

	_, err = e.Abort(ctx, AbortRequest{Image: "web", Env: "dev"})
	assert.ErrorContains(t, err, "nothing to abort")
}
