package ledger_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
)

func TestCanaryUnderWay(t *testing.T) {
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	rec := func(id int64, version, outcome, strategy string, started int) ledger.Deployment {
		return ledger.Deployment{ID: id, Env: "prod", Image: "web", Version: version, Kind: ledger.KindPromote,
			Outcome: outcome, Strategy: strategy, StartedAt: at(started)}
	}
	step := func(id int64, version string, started, n int) ledger.Deployment {
		d := rec(id, version, ledger.OutcomeStep, ledger.StrategyCanary, started)
		d.Canary = &ledger.CanaryProgress{Step: n, Steps: 2, Weight: 10 * n}
		return d
	}
	const c = ledger.StrategyCanary
	tests := []struct {
		name          string
		deps          []ledger.Deployment // newest first
		started, last int64               // ids; 0 for none
		ok            bool
	}{
		{"nothing", nil, 0, 0, false},
		{"a blue-green promote under way", []ledger.Deployment{rec(2, "1.1.0", ledger.OutcomeStarted, "", 1)}, 0, 0, false},
		{"a canary before its first step", []ledger.Deployment{rec(2, "1.1.0", ledger.OutcomeStarted, c, 1), rec(1, "1.0.0", ledger.OutcomeSucceeded, "", 0)}, 2, 0, true},
		{"a canary at its second step", []ledger.Deployment{step(4, "1.1.0", 1, 2), step(3, "1.1.0", 1, 1), rec(2, "1.1.0", ledger.OutcomeStarted, c, 1)}, 2, 4, true},
		{"a finished canary", []ledger.Deployment{rec(5, "1.1.0", ledger.OutcomeFailed, c, 1), step(4, "1.1.0", 1, 2), rec(2, "1.1.0", ledger.OutcomeStarted, c, 1)}, 0, 0, false},
		{"a canary's steps are not another's", []ledger.Deployment{rec(6, "1.2.0", ledger.OutcomeStarted, c, 5), rec(5, "1.1.0", ledger.OutcomeFailed, c, 1),
			step(4, "1.1.0", 1, 2), rec(2, "1.1.0", ledger.OutcomeStarted, c, 1)}, 6, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			started, last, ok := ledger.CanaryUnderWay(tt.deps)
			assert.Equal(t, tt.ok, ok)
			id := func(d *ledger.Deployment) int64 {
				if d == nil {
					return 0
				}
				return d.ID
			}
			assert.Equal(t, tt.started, id(started))
			assert.Equal(t, tt.last, id(last))
		})
	}
}

func TestStepRecordsFinishNothing(t *testing.T) {
	st := ledger.Deployment{Env: "prod", Image: "web", Version: "1.1.0", Kind: ledger.KindPromote, Outcome: ledger.OutcomeStarted, StartedAt: t0}
	step := st
	step.Outcome = ledger.OutcomeStep
	assert.False(t, ledger.Finishes(step, st))
	assert.True(t, ledger.StepOf(step, st))
	done := st
	done.Outcome = ledger.OutcomeSucceeded
	assert.True(t, ledger.Finishes(done, st))
	assert.False(t, ledger.StepOf(done, st))
}

func TestCanaryText(t *testing.T) {
	assert.Equal(t, "step 2/3: 50%", ledger.CanaryProgress{Step: 2, Steps: 3, Weight: 50}.String())
	assert.Equal(t, "step 1/3: 10%, held", ledger.CanaryProgress{Step: 1, Steps: 3, Weight: 10, Held: true}.String())
	ms := []ledger.Measurement{
		{Name: "error rate", Source: "front door", Unit: "%", Canary: 0.4, Baseline: 0.35, Limit: 1.35, CanaryRequests: 80, BaselineRequests: 700, Passed: true},
		{Name: "latency p50", Source: "front door", Unit: "ms", Canary: 212.5, Baseline: 101.25, Limit: 126.5625, Passed: false},
		{Name: "up", Source: "prometheus", Canary: 1, Limit: 1, Min: true, Passed: true},
		{Name: "latency p95", Source: "front door", Unit: "ms", Canary: 310, Baseline: 150.5, CanaryRequests: 80, BaselineRequests: 700, Passed: true, Reported: true},
	}
	assert.Equal(t, "latency p50 212.5ms (baseline 101.2ms, at most 126.6ms): failed; "+
		"error rate 0.4% (baseline 0.35%, at most 1.35%): passed; up 1 (at least 1): passed; latency p95 310ms (baseline 150.5ms)",
		ledger.AnalysisSummary(ms))
	// A value held to no limit reads as its value: never "at most 0ms".
	assert.Equal(t, "latency p95 3ms", ledger.Measurement{Name: "latency p95", Unit: "ms", Canary: 3, Passed: true, Reported: true}.String())
	// A query measured on the canary alone says so.
	assert.Equal(t, "error-ratio 0 (canary only, at most 0.01): passed",
		ledger.Measurement{Name: "error-ratio", Source: "prometheus", Limit: 0.01, CanaryOnly: true, Passed: true}.String())
}

// A canary-only measurement's JSON has no baseline; every other keeps its
// baseline, 0 or not, so that older records encode (and digest) as before.
func TestMeasurementJSON(t *testing.T) {
	b, err := json.Marshal(ledger.Measurement{Name: "error-ratio", Source: "prometheus", Canary: 0.5, Limit: 1, CanaryOnly: true, Passed: true})
	require.NoError(t, err)
	assert.JSONEq(t, `{"name":"error-ratio","source":"prometheus","canary":0.5,"limit":1,"canary_only":true,"passed":true}`, string(b))
	var back ledger.Measurement
	require.NoError(t, json.Unmarshal(b, &back))
	assert.True(t, back.CanaryOnly)

	b, err = json.Marshal(ledger.Measurement{Name: "up", Source: "prometheus", Canary: 1, Limit: 1, Min: true, Passed: true})
	require.NoError(t, err)
	assert.Equal(t, `{"name":"up","source":"prometheus","canary":1,"baseline":0,"limit":1,"min":true,"passed":true}`, string(b),
		"an older record's bytes, unchanged")
}
