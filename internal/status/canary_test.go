package status

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/sqlite"
	"github.com/bakehq/bake/internal/targets"
)

// A canary under way shows beside the recorded release: its version, step
// and share, and whether it is held; it is not an interruption.
func TestComposeShowsACanaryUnderWay(t *testing.T) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir()+"/ledger.db")
	require.NoError(t, err)
	defer store.Close()
	for _, v := range []string{"1.0.0", "1.1.0"} {
		require.NoError(t, store.PutRelease(ctx, ledger.Release{Image: "web", Version: v, Digest: "sha256:" + v,
			Status: ledger.StatusValidated, CreatedAt: time.Now()}))
	}
	now := time.Now().UTC()
	base := ledger.Deployment{Env: "prod", Image: "web", Version: "1.0.0", Digest: "sha256:1.0.0", Kind: ledger.KindPromote,
		Outcome: ledger.OutcomeSucceeded, StartedAt: now, FinishedAt: now, By: "ci"}
	started := ledger.Deployment{Env: "prod", Image: "web", Version: "1.1.0", Digest: "sha256:1.1.0", Previous: "1.0.0",
		Kind: ledger.KindPromote, Outcome: ledger.OutcomeStarted, StartedAt: now.Add(time.Second), By: "ann",
		Reason: "ann on nowhere (pid 1, operation op, promote web@1.1.0)", Strategy: config.Canary}
	step := started
	step.Outcome, step.Reason, step.FinishedAt = ledger.OutcomeStep, "", now.Add(2*time.Second)
	step.Canary = &ledger.CanaryProgress{Step: 1, Steps: 2, Weight: 10, Held: true}
	for _, d := range []ledger.Deployment{base, started, step} {
		_, err := store.AppendDeployment(ctx, d)
		require.NoError(t, err)
	}
	p := &config.Project{
		Images: []*config.Image{{Name: "web"}},
		Environments: []*config.Environment{{Name: "prod", Targets: map[string]*config.Target{"web": {Listen: "127.0.0.1:8080",
			Strategy: config.Canary, Steps: []config.CanaryStep{{Weight: 10}, {Weight: 50}}}}}},
	}
	var seen []string
	observe := func(_ context.Context, o targets.Observation) (targets.State, error) {
		seen = append(seen, o.Canary)
		return targets.State{}, nil
	}
	res, err := Compose(ctx, Request{Project: p, Store: store, Observe: observe})
	require.NoError(t, err)
	es := res.Images[0].Environments[0]
	assert.Equal(t, "1.0.0", es.Version, "the recorded release is still the baseline")
	assert.Empty(t, es.Interrupted)
	require.NotNil(t, es.Canary)
	assert.Equal(t, []string{"sha256:1.1.0"}, seen, "the target is told which canary is no drift")
	assert.Equal(t, Canary{Version: "1.1.0", Digest: "sha256:1.1.0", Step: 1, Steps: 2, Weight: 10, Held: true, Since: step.FinishedAt}, *es.Canary)
	assert.False(t, res.Drifted)
}
