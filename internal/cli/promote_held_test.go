package cli

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/promote"
)

// The hint after a hold says that --continue without --step runs to the
// end, so nobody continues expecting to stop at the next step.
func TestPrintHeldSaysContinueRunsToTheEnd(t *testing.T) {
	var buf bytes.Buffer
	printHeld(&buf, &config.Environment{Name: "prod"}, promote.Result{
		Deployment: ledger.Deployment{Image: "web", Version: "1.4.0", Previous: "1.3.0"},
		Canary:     &ledger.CanaryProgress{Step: 1, Steps: 2, Weight: 10, Held: true},
	})
	out := buf.String()
	assert.Contains(t, out, "web@1.4.0 gets 10% of requests in prod (step 1/2), 1.3.0 the rest; held\n")
	assert.Contains(t, out, "go on: bake promote web --env prod --continue (runs every remaining step to the end; add --step to hold after the next)\n")
	assert.Contains(t, out, "abort: bake abort web --env prod\n")
}
