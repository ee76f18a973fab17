package e2e

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCanaryKilledMidStep kills bake with SIGKILL while its canary gets
// 10% of dev's requests, under load (so it runs on its own, see
// harness_test.go): status names the interruption, `bake recover dev`
// sends every request back to 1.0.0 and removes the canary's replicas,
// the record says the canary failed, and no request fails on the way.
func TestCanaryKilledMidStep(t *testing.T) {
	p := newProject(t, projectOptions{Target: `strategy: canary, steps: [{weight: 10, pause: 1m}], analysis: {interval: 1s}`})
	p.release(t, "1.0.0")
	p.release(t, "1.1.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	load := startLoad(t, p.url("dev", "/"))

	// The step's line comes once the split is set and the step recorded.
	out := runAndKill(t, p.Dir, killPoint{name: "mid-step", line: regexp.MustCompile(`^step 1/1`), nth: 1},
		"promote", "svc@1.1.0", "--to", "dev")
	require.Contains(t, out, "--- SIGKILL", out)
	served := versionsOf(t, p, 100)
	assert.Positive(t, served["1.1.0"], "the killed canary kept its share: %v", served)
	chk := bake(t, p.Dir, "status", "svc", "--check")
	assert.Equal(t, 4, chk.code, chk.String())
	assert.Contains(t, chk.stdout, "interrupted", chk.String())

	rec := mustBake(t, p.Dir, "recover", "dev")
	assert.Contains(t, rec.stderr, "ending the interrupted canary", rec.String())
	sum := load.stop(t)
	assert.Zero(t, sum.Failed(), "failed requests: %s", sum)
	assert.Equal(t, "1.0.0", assertConsistent(t, p))
	assert.Equal(t, map[string]int{"1.0.0": 30}, versionsOf(t, p, 30))
	mustBake(t, p.Dir, "status", "svc", "--check")
	h := history(t, p, "dev")
	require.NotEmpty(t, h.Deployments)
	assert.Equal(t, "1.1.0", h.Deployments[0].Version)
	assert.Equal(t, "failed", h.Deployments[0].Outcome)
	assert.Contains(t, h.Deployments[0].Reason, "interrupted")
}

// versionsOf asks dev's front door n times and counts the versions that
// answered.
func versionsOf(t *testing.T, p *project, n int) map[string]int {
	t.Helper()
	got := map[string]int{}
	for range n {
		code, body := get(t, p.url("dev", "/"))
		require.Equal(t, http.StatusOK, code, body)
		got[strings.TrimPrefix(strings.TrimSpace(body), "svc ")]++
	}
	return got
}
