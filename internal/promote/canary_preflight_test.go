package promote

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/servicestest"
)

// withQuery gives the canary engine's target a Prometheus at url with one
// query, as bake.yaml would set it at line 30.
func withQuery(e *Engine, url, query string) {
	limit := 0.01
	for _, env := range e.Project.Environments {
		tgt := *env.Targets["web"]
		an := *tgt.Analysis
		an.Prometheus = url
		an.Queries = []config.MetricQuery{{Name: "error-ratio", Query: query, Max: &limit,
			At: config.Error{File: "bake.yaml", Line: 30, Column: 22, Key: "environments[0].targets.web.analysis.queries[0].query", Kind: config.ErrInvalid}}}
		tgt.Analysis = &an
		env.Targets["web"] = &tgt
	}
}

// A query Prometheus cannot parse is bad input before anything changes:
// one line naming the query, where bake.yaml sets it, and Prometheus's
// words; no replica started, nothing recorded.
func TestCanaryPreflightRefusesABadQuery(t *testing.T) {
	e, fake, _ := newCanaryEngine(t)
	withQuery(e, servicestest.PrometheusURL, `sum(rate(x{version="{{ .Version }}"}[1m])`)
	before := len(history(t, e))
	_, err := e.Promote(context.Background(), PromoteRequest{Image: "web", Version: "1.1.0", To: "dev"})
	require.ErrorIs(t, err, config.ErrInvalid)
	assert.Regexp(t, `^bake\.yaml:30:22: environments\[0\]\.targets\.web\.analysis\.queries\[0\]\.query: Prometheus at http://127\.0\.0\.1:9090 refused query "error-ratio": .*parse error.*; fix the query: nothing changed$`, err.Error())
	assert.NotContains(t, err.Error(), "\n")
	assert.Empty(t, fake.Calls(), "nothing started")
	assert.Len(t, history(t, e), before, "nothing recorded")
}

// A Prometheus that does not answer fails the promote before anything
// changes, saying which URL, why, and that nothing changed.
func TestCanaryPreflightFailsOnAnUnreachablePrometheus(t *testing.T) {
	e, fake, _ := newCanaryEngine(t)
	withQuery(e, "http://127.0.0.1:1", `up`)
	before := len(history(t, e))
	_, err := e.Promote(context.Background(), PromoteRequest{Image: "web", Version: "1.1.0", To: "dev"})
	require.ErrorIs(t, err, ErrFailed)
	assert.NotErrorIs(t, err, config.ErrInvalid)
	assert.Contains(t, err.Error(), `Prometheus at http://127.0.0.1:1 did not answer before the canary started:`)
	assert.Contains(t, err.Error(), "connection refused")
	assert.Contains(t, err.Error(), `nothing changed: "dev" still runs 1.0.0`)
	assert.Empty(t, fake.Calls(), "nothing started")
	assert.Len(t, history(t, e), before, "nothing recorded")
}

// No data before the canary served is expected: the canary starts. When
// the query still has none at the end of the step, the abort's advice is
// about the query, not about min_requests.
func TestCanaryPreflightPassesNoDataAndTheAbortAdvisesTheQuery(t *testing.T) {
	e, fake, _ := newCanaryEngine(t)
	withQuery(e, servicestest.PrometheusURL, `sum(bake_preflight_no_such_series{version="{{ .Version }}"})`)
	_, err := e.Promote(context.Background(), PromoteRequest{Image: "web", Version: "1.1.0", To: "dev"})
	require.ErrorIs(t, err, ErrFailed)
	assert.Equal(t, []string{"start 1.1.0", "shift 10", "abort 1.1.0"}, fake.Calls())
	assert.Contains(t, err.Error(), `inconclusive at the end of the step: error-ratio: no data from Prometheus for web@1.1.0 in "dev"`)
	assert.Contains(t, err.Error(), "or vector(0)")
	assert.NotContains(t, err.Error(), "min_requests")
}
