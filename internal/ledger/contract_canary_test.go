package ledger_test

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
)

// canaryStep is the step record of a canary whose started record is st.
func canaryStep(st ledger.Deployment, step, weight int, until time.Time, held bool, m ...ledger.Measurement) ledger.Deployment {
	d := st
	d.ID, d.Outcome, d.Reason = 0, ledger.OutcomeStep, ""
	d.Canary = &ledger.CanaryProgress{Step: step, Steps: 2, Weight: weight, Held: held, Until: until}
	d.Analysis = m
	return d
}

// A canary's records round-trip with what it adds; its step records are
// history, never an outcome nor what the environment runs; the newest of
// them says where the canary under way stands; the hash chain covers them.
func testCanaryRecords(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
	seedReleases(t, s, "web", "1.0.0", "1.1.0")
	_, err := s.AppendDeployment(ctx, deployment("prod", "web", "1.0.0", 0))
	require.NoError(t, err)

	start := deployment("prod", "web", "1.1.0", 1)
	start.Previous, start.Outcome, start.FinishedAt, start.Strategy = "1.0.0", ledger.OutcomeStarted, time.Time{}, ledger.StrategyCanary
	start.Reason = "ci on host-1 (pid 42, operation abc, promote web@1.1.0)"
	start.ID, err = s.AppendDeployment(ctx, start)
	require.NoError(t, err)

	cet := time.FixedZone("CET", 3600)
	first := canaryStep(start, 1, 10, time.Date(2025, 3, 1, 13, 3, 0, 123456789, cet), false)
	first.ID, err = s.AppendDeployment(ctx, first)
	require.NoError(t, err)
	seen := []ledger.Measurement{
		{Name: "error rate", Source: "front door", Unit: "%", Canary: 0.4, Baseline: 0.35, Limit: 1.35, CanaryRequests: 812, BaselineRequests: 7311, Passed: true, Detail: "p=0.41"},
		{Name: "errors", Source: "prometheus", Canary: 0.001, Limit: 0.01, Min: false, Passed: true},
		{Name: "error-ratio", Source: "prometheus", Canary: 0.002, CanaryOnly: true, Limit: 0.01, Passed: true},
		{Name: "latency p95", Source: "front door", Unit: "ms", Canary: 9.5, Baseline: 8, Passed: true, Reported: true},
	}
	second := canaryStep(start, 2, 50, time.Time{}, true, seen...)
	second.ID, err = s.AppendDeployment(ctx, second)
	require.NoError(t, err)

	ds, err := s.Deployments(ctx, "web", "prod")
	require.NoError(t, err)
	require.Len(t, ds, 4)
	first.Canary.Until = first.Canary.Until.UTC()
	assert.Equal(t, []ledger.Deployment{second, first, start}, ds[:3], "step records round-trip")
	assert.True(t, ds[1].Canary.Until.Equal(time.Date(2025, 3, 1, 12, 3, 0, 123456789, time.UTC)))

	cur, err := s.Current(ctx, "web", "prod")
	require.NoError(t, err)
	assert.Equal(t, "1.0.0", cur.Version, "a step record is not what runs")
	st, outcome := ledger.LastStarted(ds)
	require.NotNil(t, st)
	assert.Equal(t, start.ID, st.ID)
	assert.Nil(t, outcome, "a step record is not an outcome")
	assert.Len(t, ledger.Finished(ds), 4, "history shows every step change")
	assert.Equal(t, []string{"1.0.0"}, versions(ledger.RollbackOrder(append([]ledger.Deployment{deployment("prod", "web", "0.9.0", 9)}, ds...))),
		"rollback walks past step records")

	got, last, ok := ledger.CanaryUnderWay(ds)
	require.True(t, ok)
	assert.Equal(t, start.ID, got.ID)
	require.NotNil(t, last)
	assert.Equal(t, second.ID, last.ID)
	assert.True(t, last.Canary.Held)
	got, last, ok, err = ledger.NewestCanary(ctx, s, "web", "prod")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, start.ID, got.ID)
	assert.Equal(t, second.ID, last.ID)

	done := start
	done.ID, done.Outcome, done.Reason, done.FinishedAt, done.Analysis = 0, ledger.OutcomeSucceeded, "", start.StartedAt.Add(5*time.Minute), seen
	done.ID, err = s.AppendDeployment(ctx, done)
	require.NoError(t, err)
	cur, err = s.Current(ctx, "web", "prod")
	require.NoError(t, err)
	assert.Equal(t, done, cur, "the outcome runs, with the analysis it recorded")
	ds, err = s.Deployments(ctx, "web", "prod")
	require.NoError(t, err)
	_, outcome = ledger.LastStarted(ds)
	require.NotNil(t, outcome)
	assert.Equal(t, done.ID, outcome.ID)
	_, _, ok = ledger.CanaryUnderWay(ds)
	assert.False(t, ok, "a finished canary is not under way")
	_, _, ok, err = ledger.NewestCanary(ctx, s, "web", "prod")
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Len(t, ledger.Finished(ds), 4, "the finished intent is left out, the steps stay")

	c, err := s.ReadChain(ctx)
	require.NoError(t, err)
	assert.True(t, ledger.Verify(c, "").OK(), "the chain covers the canary's records")

	// Records without a canary digest as they did before it existed.
	b, err := json.Marshal(deployment("prod", "web", "1.0.0", 0))
	require.NoError(t, err)
	for _, key := range []string{"strategy", "canary", "analysis"} {
		assert.NotContains(t, string(b), `"`+key+`"`)
	}
}

// A step record must say where the canary stands, and a measurement that
// is not a number cannot be recorded; nothing is written for either.
func testCanaryRecordsRejected(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
	seedReleases(t, s, "web", "1.0.0")
	start := deployment("prod", "web", "1.0.0", 0)
	start.Outcome, start.Strategy = ledger.OutcomeStarted, ledger.StrategyCanary

	bare := canaryStep(start, 1, 10, t0, false)
	bare.Canary = nil
	_, err := s.AppendDeployment(ctx, bare)
	assert.ErrorContains(t, err, "step record")
	nan := canaryStep(start, 1, 10, t0, false, ledger.Measurement{Name: "latency p50", Canary: math.NaN()})
	_, err = s.AppendDeployment(ctx, nan)
	assert.ErrorContains(t, err, `measurement "latency p50"`)
	ds, err := s.Deployments(ctx, "web", "prod")
	require.NoError(t, err)
	assert.Empty(t, ds)
}

func versions(ds []ledger.Deployment) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Version
	}
	return out
}
