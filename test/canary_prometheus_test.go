package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/servicestest"
)

// prometheusCanary is canarySteps with Prometheus as the source that can
// fail: the front door's own error-rate limit is too loose to (50 points),
// so only the query on the svc's own counter, of project's replicas alone,
// stops the release. The first step is long enough for Prometheus to find
// the canary's replicas and scrape them a few times (every second).
func prometheusCanary(project string) string {
	series := `svc_requests_total{project="` + project + `",version="{{ .Version }}"`
	return `strategy: canary, steps: [{weight: 10, pause: 20s}, {weight: 50, pause: 3s}], ` +
		`analysis: {interval: 1s, min_requests: 50, max_error_rate_increase: 50%, ` +
		`prometheus: "` + servicestest.PrometheusURL + `", queries: [{name: error-ratio, max: 0.01, ` +
		`query: 'sum(rate(` + series + `,code=~"5.."}[10s])) / sum(rate(` + series + `}[10s]))'}]}`
}

// TestCanaryStopsOnPrometheus: the 5%-error release is stopped by a
// Prometheus query on the svc's /metrics counter, scraped from the
// canary's replicas: recorded failed with the query's value, auto-rollback,
// traffic back on 1.0.0, no request lost to the step changes.
func TestCanaryStopsOnPrometheus(t *testing.T) {
	p := canaryProject(t, "1.1.0", svcFaults{FailRate: "0.05"}, projectOptions{})
	p.Target = prometheusCanary(p.Name)
	p.writeConfig(t)

	load := startLoad(t, p.url("dev", "/"))
	run, wait := startBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")
	scrapeReplicas(t, p, "dev", "1.1.0", 2)
	code := wait()
	sum := load.stop(t)

	require.Equal(t, 1, code, run.stderr.String())
	assert.Contains(t, run.stderr.String(), "error-ratio")
	assert.Zero(t, sum.FromStepChanges(), "failures caused by step changes: %s", sum)
	assertAbortedCanary(t, p, "1.1.0", "error-ratio")
	deps := canaryHistory(t, p, "dev")
	var prom []measurement
	for _, m := range deps[0].Analysis {
		if m.Name == "error-ratio" {
			prom = append(prom, m)
		}
	}
	require.Len(t, prom, 1, "%+v", deps[0].Analysis)
	assert.Equal(t, "prometheus", prom[0].Source)
	assert.Greater(t, prom[0].Canary, 0.01)
	assert.Equal(t, 0.01, prom[0].Limit)
}

// scrapeReplicas waits for n running replicas of version in env and has
// Prometheus scrape each of them until the test ends.
func scrapeReplicas(t *testing.T, p *project, env, version string, n int) {
	t.Helper()
	eng, err := engine.Connect(context.Background())
	require.NoError(t, err)
	defer eng.Close()
	deadline := time.Now().Add(time.Minute)
	for {
		var addrs []string
		for _, r := range runningReplicas(t, eng, p, env) {
			if r.insp.Config.Labels[engine.LabelVersion] == version && r.port != 0 {
				addrs = append(addrs, fmt.Sprintf("127.0.0.1:%d", r.port))
			}
		}
		if len(addrs) >= n {
			for _, a := range addrs {
				servicestest.Scrape(t, a, map[string]string{"project": p.Name, "env": env})
			}
			t.Logf("prometheus scrapes %v", addrs)
			return
		}
		require.True(t, time.Now().Before(deadline), "no %d running replicas of %s in %s within a minute", n, version, env)
		time.Sleep(200 * time.Millisecond)
	}
}
