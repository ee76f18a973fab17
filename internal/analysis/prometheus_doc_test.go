package analysis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/analysis"
	"github.com/bakehq/bake/internal/servicestest"
)

// documentedQuery is the error-ratio query docs/canary.md and the
// bake.yaml reference give as the example to copy.
const documentedQuery = `(sum(rate(http_requests_total{version="{{ .Version }}",code=~"5.."}[1m])) or vector(0)) / sum(rate(http_requests_total{version="{{ .Version }}"}[1m]))`

// The example must be the query the docs show, word for word.
func TestDocumentedQueryIsTheDocs(t *testing.T) {
	for _, file := range []string{"../../docs/canary.md", "../../docs/reference/bake-yaml.md"} {
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		// YAML's folded scalar (>-) joins the doc's lines with spaces.
		assert.Contains(t, strings.Join(strings.Fields(string(b)), " "), documentedQuery, file)
	}
}

// The documented query passes a healthy release: one whose service has
// served no 5xx at all, so that no series with a 5xx code exists, which a
// plain ratio of two sums reads as "no data" and so aborts every good
// canary at the end of its first step.
func TestDocumentedQueryPassesAReleaseWithNo5xx(t *testing.T) {
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	version := "1.0.0-doc" + hex.EncodeToString(suffix) // no other run's series match

	reg := prometheus.NewRegistry()
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "http_requests_total", Help: "Requests served, by release and status code.",
	}, []string{"version", "code"})
	reg.MustRegister(requests)
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	// Each scrape finds 50 more good requests, so the rate is above 0.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.WithLabelValues(version, "200").Add(50)
		metrics.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()
	servicestest.Scrape(t, addr, map[string]string{"env": "doc-" + hex.EncodeToString(suffix)})
	servicestest.WaitTargetUp(t, addr, 30*time.Second)

	prom := analysis.Prometheus{URL: servicestest.PrometheusURL, Queries: []analysis.Query{
		{Name: "error-ratio", Query: documentedQuery, Max: ptr(0.01)},
	}}
	vars := analysis.Vars{Image: "web", Env: "prod", Version: version, Baseline: "0.9.0"}
	// rate needs two scrapes (one a second) within its range.
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := prom.Evaluate(context.Background(), vars)
		require.NoError(t, err)
		if res.Verdict != analysis.Inconclusive || time.Now().After(deadline) {
			assert.Equal(t, analysis.Pass, res.Verdict, res.Reason)
			assert.Equal(t, "error-ratio is 0 (max 0.01)", res.Reason)
			break
		}
		time.Sleep(500 * time.Millisecond)
	}

	// The query of the docs before: no data, though the release is healthy.
	plain := analysis.Prometheus{URL: servicestest.PrometheusURL, Queries: []analysis.Query{{Name: "error-ratio", Max: ptr(0.01),
		Query: `sum(rate(http_requests_total{version="{{ .Version }}",code=~"5.."}[1m])) / sum(rate(http_requests_total{version="{{ .Version }}"}[1m]))`}}}
	res, err := plain.Evaluate(context.Background(), vars)
	require.NoError(t, err)
	assert.Equal(t, analysis.Inconclusive, res.Verdict, res.Reason)
}
