package e2e

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCanaryHeldPlansAndRecover: while a canary is held, `bake recover`
// leaves it be and exits 0 (as status --check does: its split and
// replicas are no drift), a promote plan shows it as the unmet gate the
// promote refuses with (exit 3 both), and a rollback plan says what the
// rollback then does: abort the canary, the release that served before
// it keeps serving.
func TestCanaryHeldPlansAndRecover(t *testing.T) {
	p := canaryProject(t, "1.1.0", goodRelease, projectOptions{})
	p.release(t, "1.2.0")
	mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev", "--step")
	assertHeld(t, p, "1.1.0", 1, 10)

	rec := bake(t, p.Dir, "recover", "dev")
	assert.Equal(t, 0, rec.code, rec.String())
	assert.NotContains(t, rec.String(), "not consistent")
	mustBake(t, p.Dir, "status", "svc", "--check")

	for _, v := range []string{"1.1.0", "1.2.0"} {
		plan := bake(t, p.Dir, "promote", "svc@"+v, "--to", "dev", "--plan")
		assert.Equal(t, 3, plan.code, plan.String())
		assert.Contains(t, plan.String(), "no canary held", plan.String())
		real := bake(t, p.Dir, "promote", "svc@"+v, "--to", "dev")
		assert.Equal(t, 3, real.code, real.String())
	}

	plan := mustBake(t, p.Dir, "rollback", "svc", "--env", "dev", "--plan")
	assert.Contains(t, plan.stdout, "plan: abort the held canary of svc@1.1.0 in dev: every request goes back to 1.0.0, which keeps serving")
	var doc struct {
		Target    string `json:"target"`
		Unchanged bool   `json:"unchanged"`
		Aborts    *struct {
			Version string `json:"version"`
			BackOn  string `json:"back_on"`
		} `json:"aborts"`
	}
	js := mustBake(t, p.Dir, "rollback", "svc", "--env", "dev", "--plan", "-o", "json")
	require.NoError(t, json.Unmarshal([]byte(js.stdout), &doc), js.stdout)
	assert.Equal(t, "1.0.0", doc.Target)
	assert.True(t, doc.Unchanged)
	require.NotNil(t, doc.Aborts)
	assert.Equal(t, "1.1.0", doc.Aborts.Version)
	assert.Equal(t, "1.0.0", doc.Aborts.BackOn)

	res := mustBake(t, p.Dir, "rollback", "svc", "--env", "dev", "--yes")
	assert.Contains(t, res.stdout, "aborted the canary of svc@1.1.0 in dev: every request is back on 1.0.0", "the rollback did what its plan said")
	assertStatus(t, p, "dev", "1.0.0")
	assertNoReplicasOf(t, p, "dev", "1.1.0")
}

// TestCanaryAbortAfterKill: `bake abort` of a canary whose bake was killed
// with SIGKILL mid-step ends it, exits 0 saying what it did, and records
// it once, as aborted by the user: not "recovered", nor a second record.
func TestCanaryAbortAfterKill(t *testing.T) {
	p := canaryProject(t, "1.1.0", goodRelease, projectOptions{
		Target: `strategy: canary, steps: [{weight: 10, pause: 5m}], analysis: {interval: 1s}`})
	out := runAndKill(t, p.Dir, killPoint{name: "mid-step", line: regexp.MustCompile(`^step 1/1`), nth: 1},
		"promote", "svc@1.1.0", "--to", "dev")
	require.Contains(t, out, "--- SIGKILL", out)

	res := mustBake(t, p.Dir, "abort", "svc", "--env", "dev")
	assert.Contains(t, res.stdout, "aborted the canary of svc@1.1.0 in dev: every request is back on 1.0.0", res.String())
	assert.NotContains(t, res.String(), "nothing to abort")
	assertStatus(t, p, "dev", "1.0.0")
	assertNoReplicasOf(t, p, "dev", "1.1.0")
	assert.Equal(t, map[string]int{"1.0.0": 30}, versionsServed(t, p, "dev", 30))
	deps := canaryHistory(t, p, "dev")
	var ends []string
	for _, d := range deps {
		if d.Version == "1.1.0" && d.Outcome != "step" {
			ends = append(ends, d.Outcome+": "+d.Reason)
		}
	}
	assert.Len(t, ends, 1, "one record of the canary's end: %v", ends)
	assert.Equal(t, "1.1.0", deps[0].Version)
	assert.Equal(t, "failed", deps[0].Outcome)
	assert.Contains(t, deps[0].Reason, "aborted by e2e after the bake running it stopped")
	assert.NotContains(t, deps[0].Reason, "recovered by")

	nothing := bake(t, p.Dir, "abort", "svc", "--env", "dev")
	assert.Equal(t, 2, nothing.code, nothing.String())
}
