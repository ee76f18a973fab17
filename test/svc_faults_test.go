package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestSvcFaults checks the example service the canary tests release: a
// release made bad in its image fails a share of requests to / and answers
// late, stays healthy for bake, and counts what it answered at /metrics;
// the next release is good again.
func TestSvcFaults(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	p.releaseAs(t, "1.0.0", svcFaults{FailRate: "0.5", ExtraLatency: "100ms"})
	p.release(t, "1.1.0")

	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	assertServes(t, p, "dev", "1.0.0")
	codes := map[int]int{}
	for range 40 {
		start := time.Now()
		code, _ := get(t, p.url("dev", "/"))
		codes[code]++
		assert.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond, "EXTRA_LATENCY=100ms")
	}
	assert.Equal(t, 40, codes[http.StatusOK]+codes[http.StatusInternalServerError], "codes %v", codes)
	assert.Greater(t, codes[http.StatusInternalServerError], 5, "FAIL_RATE=0.5: codes %v", codes)
	assert.Greater(t, codes[http.StatusOK], 5, "FAIL_RATE=0.5: codes %v", codes)
	start := time.Now()
	assertServes(t, p, "dev", "1.0.0")
	assert.Less(t, time.Since(start), 100*time.Millisecond, "/healthz is not slowed down")

	// Replicas of dev are reached through the front door: the two replicas
	// each count their own share, so the sum over scrapes is at most 40.
	code, body := get(t, p.url("dev", "/metrics"))
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "# TYPE svc_requests_total counter")
	assert.Regexp(t, `svc_requests_total\{version="1\.0\.0",code="500"\} [1-9]`, body)
	assert.Contains(t, body, `svc_request_duration_seconds_bucket{version="1.0.0",le="+Inf"}`)

	mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")
	for range 20 {
		code, body := get(t, p.url("dev", "/"))
		assert.Equal(t, http.StatusOK, code, "the release after a bad one is good")
		assert.Equal(t, "svc 1.1.0", strings.TrimSpace(body))
	}
}
