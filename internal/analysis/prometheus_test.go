package analysis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/analysis"
	"github.com/bakehq/bake/internal/servicestest"
)

// exampleService serves, on 127.0.0.1, the request counters of a service
// that ran three releases: 1.3.0 (the baseline, 2 errors in 1002), 1.4.0
// (no error in 1000) and 1.5.0 (100 errors in 1000).
func exampleService(t *testing.T) string {
	reg := prometheus.NewRegistry()
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "bake_example_requests_total", Help: "Requests served, by release and status code.",
	}, []string{"version", "code"})
	reg.MustRegister(requests)
	requests.WithLabelValues("1.3.0", "200").Add(1000)
	requests.WithLabelValues("1.3.0", "500").Add(2)
	requests.WithLabelValues("1.4.0", "200").Add(1000)
	requests.WithLabelValues("1.4.0", "500").Add(0)
	requests.WithLabelValues("1.5.0", "200").Add(900)
	requests.WithLabelValues("1.5.0", "500").Add(100)
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

func ptr(v float64) *float64 { return &v }

const (
	errorsOf   = `sum(bake_example_requests_total{env="{{ .Env }}",version="{{ .Version }}",code=~"5.."})`
	requestsOf = `sum(bake_example_requests_total{env="{{ .Env }}",version="{{ .Version }}"})`
)

func TestPrometheusEvaluate(t *testing.T) {
	addr := exampleService(t)
	// The env label, unique to this run, keeps other runs' series out.
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	env := "evaluate-" + hex.EncodeToString(suffix)
	servicestest.Scrape(t, addr, map[string]string{"env": env})
	servicestest.WaitTargetUp(t, addr, 30*time.Second)

	prom := analysis.Prometheus{URL: servicestest.PrometheusURL, Queries: []analysis.Query{
		{Name: "error-ratio", Query: errorsOf + " / " + requestsOf, Max: ptr(0.01)},
		{Name: "requests", Query: requestsOf, Min: ptr(100)},
		{Name: "errors-over-baseline", Max: ptr(10), Query: errorsOf + ` - sum(bake_example_requests_total{env="{{ .Env }}",version="{{ .Baseline }}",code=~"5.."})`},
	}}
	vars := func(version string) analysis.Vars {
		return analysis.Vars{Image: "web", Env: env, Version: version, Baseline: "1.3.0"}
	}
	ctx := context.Background()

	t.Run("pass", func(t *testing.T) {
		res, err := prom.Evaluate(ctx, vars("1.4.0"))
		require.NoError(t, err)
		assert.Equal(t, analysis.Pass, res.Verdict, res.Reason)
		assert.Equal(t, "error-ratio is 0 (max 0.01); requests is 1000 (min 100); errors-over-baseline is -2 (max 10)", res.Reason)
		require.Len(t, res.Measurements, 3)
		m := res.Measurements[1]
		assert.Equal(t, "requests", m.Name)
		assert.Equal(t, "prometheus", m.Source)
		assert.InDelta(t, 1000, m.Canary, 1e-9)
		assert.InDelta(t, 100, m.Limit, 1e-9)
		assert.True(t, m.Min)
		assert.True(t, m.Passed)
		assert.True(t, m.CanaryOnly, "the query ran on the canary alone: no baseline value")
	})

	t.Run("fail", func(t *testing.T) {
		res, err := prom.Evaluate(ctx, vars("1.5.0"))
		require.NoError(t, err)
		assert.Equal(t, analysis.Fail, res.Verdict)
		assert.Equal(t, "error-ratio is 0.1, above max 0.01; errors-over-baseline is 98, above max 10", res.Reason)
		assert.False(t, res.Measurements[0].Passed)
		assert.True(t, res.Measurements[1].Passed)
		assert.InDelta(t, 0.1, res.Measurements[0].Canary, 1e-9)
	})

	t.Run("no data", func(t *testing.T) {
		res, err := prom.Evaluate(ctx, vars("9.9.9"))
		require.NoError(t, err)
		assert.Equal(t, analysis.Inconclusive, res.Verdict)
		assert.Contains(t, res.Reason, `error-ratio: no data from Prometheus for web@9.9.9 in "`+env+`"`)
		assert.Empty(t, res.Measurements)
		assert.Contains(t, res.Advice, "or vector(0)", "no data is the query's to fix, not min_requests")
		assert.NotContains(t, res.Advice, "min_requests")
	})

	t.Run("several series", func(t *testing.T) {
		several := analysis.Prometheus{URL: servicestest.PrometheusURL, Queries: []analysis.Query{
			{Name: "raw", Query: `bake_example_requests_total{env="{{ .Env }}"}`, Max: ptr(1)},
		}}
		_, err := several.Evaluate(ctx, vars("1.4.0"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), `prometheus query "raw": 6 series`)
		assert.Contains(t, err.Error(), "aggregate them")
		assert.ErrorIs(t, err, analysis.ErrBadQuery)
	})

	t.Run("bad promql", func(t *testing.T) {
		bad := analysis.Prometheus{URL: servicestest.PrometheusURL, Queries: []analysis.Query{
			{Name: "broken", Query: `sum(`, Max: ptr(1)},
		}}
		_, err := bad.Evaluate(ctx, vars("1.4.0"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), `prometheus query "broken"`)
		assert.ErrorIs(t, err, analysis.ErrBadQuery, "Prometheus answers 400 bad_data")
		var qe *analysis.QueryError
		require.ErrorAs(t, err, &qe)
		assert.Equal(t, "broken", qe.Name)
		assert.Contains(t, qe.Err.Error(), "parse error")
		assert.NotContains(t, qe.Err.Error(), "bad_data", "Prometheus's own words only")
	})
}

func TestPrometheusEvaluateErrors(t *testing.T) {
	ctx := context.Background()
	v := analysis.Vars{Image: "web", Env: "prod", Version: "1.4.0"}

	_, err := analysis.Prometheus{URL: "http://127.0.0.1:1", Queries: []analysis.Query{
		{Name: "down", Query: "up", Max: ptr(1)},
	}}.Evaluate(ctx, v)
	require.Error(t, err, "nothing listens on port 1")
	assert.Contains(t, err.Error(), `prometheus query "down"`)
	assert.NotErrorIs(t, err, analysis.ErrBadQuery, "an unreachable Prometheus is no fault of the query")

	_, err = analysis.Prometheus{URL: servicestest.PrometheusURL, Queries: []analysis.Query{
		{Name: "typo", Query: `up{version="{{ .Verison }}"}`, Max: ptr(1)},
	}}.Evaluate(ctx, v)
	require.Error(t, err, "an unknown field fails before any query")
	assert.Contains(t, err.Error(), "Verison")

	res, err := analysis.Prometheus{URL: "http://127.0.0.1:1"}.Evaluate(ctx, v)
	require.NoError(t, err, "no query asks nothing of Prometheus")
	assert.Equal(t, analysis.Pass, res.Verdict)
}
