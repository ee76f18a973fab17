package e2e

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/servicestest"
)

// canaryWithQuery is canarySteps judged also by one Prometheus query at url.
func canaryWithQuery(url, query string) string {
	return `strategy: canary, steps: [{weight: 10, pause: 2s}, {weight: 50, pause: 2s}], ` +
		`analysis: {interval: 1s, min_requests: 0, prometheus: "` + url + `", ` +
		`queries: [{name: error-ratio, max: 0.01, query: '` + query + `'}]}`
}

// A query Prometheus cannot parse, or a Prometheus that does not answer,
// is found before the canary starts: one line, exit 2 for the query (it
// names the query and where bake.yaml sets it) and 1 for Prometheus (the
// URL, the error, nothing changed); nothing is recorded, and dev still
// runs 1.0.0 with no canary replica.
func TestCanaryPreflight(t *testing.T) {
	p := canaryProject(t, "1.1.0", svcFaults{}, projectOptions{})
	before := len(canaryHistory(t, p, "dev"))

	p.Target = canaryWithQuery(servicestest.PrometheusURL, `sum(rate(svc_requests_total{version="{{ .Version }}"}[1m])`)
	p.writeConfig(t)
	res := bake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")
	require.Equal(t, 2, res.code, res.String())
	last := lastLine(res.stderr)
	assert.Regexp(t, `^bake: .*bake\.yaml:\d+:\d+: environments\[\d+\]\.targets\.svc\.analysis\.queries\[0\]\.query: Prometheus at http://127\.0\.0\.1:9090 refused query "error-ratio": .*parse error`, last)
	t.Log(last)
	assert.Contains(t, last, "nothing changed")

	p.Target = canaryWithQuery("http://127.0.0.1:1", `up`)
	p.writeConfig(t)
	res = bake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")
	require.Equal(t, 1, res.code, res.String())
	last = lastLine(res.stderr)
	assert.Contains(t, last, "Prometheus at http://127.0.0.1:1 did not answer before the canary started")
	t.Log(last)
	assert.Contains(t, last, "connection refused")
	assert.Contains(t, last, `nothing changed: "dev" still runs 1.0.0`)

	assert.Len(t, canaryHistory(t, p, "dev"), before, "nothing recorded")
	assertNoReplicasOf(t, p, "dev", "1.1.0")
	assertServes(t, p, "dev", "1.0.0")
}

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
