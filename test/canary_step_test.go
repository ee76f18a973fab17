package e2e

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCanaryStepByStep: with --step the canary holds after each step change
// and says how to go on; status shows where it stands; another promote is
// refused while it holds; abort sends everything back at once; --continue
// (once the held step served enough to judge) finishes a held canary. No
// request fails on the way.
func TestCanaryStepByStep(t *testing.T) {
	p := canaryProject(t, "1.1.0", goodRelease, projectOptions{})
	p.release(t, "1.2.0")
	load := startLoad(t, p.url("dev", "/"))

	res := mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev", "--step")
	assert.Contains(t, res.stdout, "bake promote svc --env dev --continue")
	assert.Contains(t, res.stdout, "bake abort svc --env dev")
	assertHeld(t, p, "1.1.0", 1, 10)
	served := versionsServed(t, p, "dev", 100)
	assert.Positive(t, served["1.1.0"], "the held canary serves its share: %v", served)
	assert.Greater(t, served["1.0.0"], served["1.1.0"], "%v", served)

	refused := bake(t, p.Dir, "promote", "svc@1.2.0", "--to", "dev")
	assert.Equal(t, 3, refused.code, refused.String())
	assert.Contains(t, refused.stderr, "--continue")

	continueJudged(t, p, "--step")
	assertHeld(t, p, "1.1.0", 2, 50)

	res = mustBake(t, p.Dir, "abort", "svc", "--env", "dev")
	assert.Contains(t, res.stdout, "1.0.0")
	assert.Equal(t, map[string]int{"1.0.0": 30}, versionsServed(t, p, "dev", 30), "all traffic back on 1.0.0")
	assertStatus(t, p, "dev", "1.0.0")
	assertNoReplicasOf(t, p, "dev", "1.1.0")
	assert.Nil(t, canaryStatusOf(t, p, "dev"))
	deps := canaryHistory(t, p, "dev")
	assert.Equal(t, "promote", deps[0].Kind)
	assert.Equal(t, "1.1.0", deps[0].Version)
	assert.Equal(t, "failed", deps[0].Outcome)
	assert.Contains(t, deps[0].Reason, "aborted by e2e")
	assert.Equal(t, []int{10, 50}, stepWeights(deps, "1.1.0"))

	nothing := bake(t, p.Dir, "abort", "svc", "--env", "dev")
	assert.Equal(t, 2, nothing.code, nothing.String())

	mustBake(t, p.Dir, "promote", "svc@1.2.0", "--to", "dev", "--step")
	assertHeld(t, p, "1.2.0", 1, 10)
	res = continueJudged(t, p)
	assert.Contains(t, res.stdout, "promoted svc in dev to 1.2.0")
	sum := load.stop(t)
	assert.Zero(t, sum.Failed(), "failed requests: %s", sum)
	assertStatus(t, p, "dev", "1.2.0")
	assert.Equal(t, map[string]int{"1.2.0": 30}, versionsServed(t, p, "dev", 30))
	deps = canaryHistory(t, p, "dev")
	assert.Equal(t, "succeeded", deps[0].Outcome)
	assert.Equal(t, "1.2.0", deps[0].Version)
	assert.NotEmpty(t, deps[0].Analysis)
}

// assertHeld checks that status and history show version held at step,
// with weight percent of the requests.
func assertHeld(t *testing.T, p *project, version string, step, weight int) {
	t.Helper()
	cs := canaryStatusOf(t, p, "dev")
	require.NotNil(t, cs, "status shows the canary under way")
	assert.Equal(t, canaryStatus{Version: version, Step: step, Steps: 2, Weight: weight, Held: true}, *cs)
	assertStatusTableHeld(t, p, weight)
	deps := canaryHistory(t, p, "dev")
	require.NotEmpty(t, deps)
	assert.Equal(t, "step", deps[0].Outcome)
	require.NotNil(t, deps[0].Canary)
	assert.Equal(t, canaryProgress{Step: step, Steps: 2, Weight: weight, Held: true}, *deps[0].Canary)
}

// assertStatusTableHeld checks the people's status: the weight and "held".
func assertStatusTableHeld(t *testing.T, p *project, weight int) {
	t.Helper()
	out := mustBake(t, p.Dir, "status", "svc").stdout
	assert.Contains(t, out, "held", out)
	assert.Regexp(t, fmt.Sprintf(`\b%d%%`, weight), out)
}
