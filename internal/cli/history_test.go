package cli

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/bakehq/bake/internal/ledger"
)

// A canary's step records show where it stood, and its measurements come
// on a line of their own.
func TestPrintDeploymentsShowsCanarySteps(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.Local)
	start := ledger.Deployment{ID: 1, Env: "prod", Image: "web", Version: "1.1.0", Previous: "1.0.0", Kind: ledger.KindPromote,
		Outcome: ledger.OutcomeStarted, Strategy: ledger.StrategyCanary, StartedAt: at, By: "ci"}
	step := start
	step.ID, step.Outcome, step.FinishedAt = 2, ledger.OutcomeStep, at.Add(time.Minute)
	step.Canary = &ledger.CanaryProgress{Step: 2, Steps: 3, Weight: 50}
	step.Analysis = []ledger.Measurement{{Name: "error rate", Unit: "%", Canary: 0.5, Baseline: 0.25, Limit: 1.25, Passed: true}}
	var b bytes.Buffer
	printDeployments(&b, []ledger.Deployment{step})
	assert.Equal(t, "ID  WHEN                 ENV   KIND     VERSION  REPLACED  OUTCOME        BY\n"+
		"2   2026-01-02 03:05:05  prod  promote  1.1.0    1.0.0     step 2/3: 50%  ci\n"+
		"                         analysis of step 1: error rate 0.5% (baseline 0.25%, at most 1.25%): passed\n", b.String(),
		"the step record carries the step before it, whose weight is not on this page")

	// With the step before it listed, its weight too; the outcome carries the last step's.
	first := step
	first.ID, first.Canary, first.Analysis = 3, &ledger.CanaryProgress{Step: 1, Steps: 3, Weight: 10}, nil
	done := start
	done.ID, done.Outcome, done.FinishedAt, done.Analysis = 4, ledger.OutcomeSucceeded, at.Add(2*time.Minute), step.Analysis
	b.Reset()
	printDeployments(&b, []ledger.Deployment{done, step, first})
	assert.Contains(t, b.String(), "analysis of step 1 (10%): error rate 0.5%")
	assert.Contains(t, b.String(), "analysis of step 2 (50%): error rate 0.5%")
}
