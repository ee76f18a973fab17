package e2e

import (
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCanaryAbortFromAnotherTerminal: while one bake runs a canary through
// a long step, under load, `bake abort` from another terminal has it
// abort (a Ctrl-C sent to it), waits for it to let go, and reports what it
// recorded: every request back on 1.0.0, the canary's replicas gone, the
// canary failed as aborted by the user from another terminal (never
// "interrupted by Ctrl-C"), in its record and in the running bake's
// output, no request failed on the way.
func TestCanaryAbortFromAnotherTerminal(t *testing.T) {
	p := canaryProject(t, "1.1.0", goodRelease, projectOptions{
		Target: `strategy: canary, steps: [{weight: 10, pause: 5m}], analysis: {interval: 1s}`})
	load := startLoad(t, p.url("dev", "/"))

	var abort result
	code, out := runUntil(t, p.Dir, regexp.MustCompile(`^step 1/1`), func(*os.Process) {
		abort = bake(t, p.Dir, "abort", "svc", "--env", "dev")
	}, "promote", "svc@1.1.0", "--to", "dev")
	assert.Equal(t, 1, code, "the aborted promote fails:\n%s", out)
	assert.Contains(t, out, "aborted by e2e from another terminal", out)
	assert.NotContains(t, out, "Ctrl-C (SIGINT)", out)

	t.Logf("bake abort from another terminal:\n%s", abort)
	require.Equal(t, 0, abort.code, abort.String())
	assert.Regexp(t, `sent Ctrl-C to the bake running the canary of svc@1\.1\.0 in "dev" \(pid \d+\): waiting up to 30s`, abort.stderr)
	assert.Contains(t, abort.stderr, "the bake running it recorded svc@1.1.0 failed", abort.String())
	assert.Contains(t, abort.stdout, "aborted the canary of svc@1.1.0 in dev: every request is back on 1.0.0", abort.String())

	sum := load.stop(t)
	assert.Zero(t, sum.Failed(), "failed requests: %s", sum)
	assert.Equal(t, map[string]int{"1.0.0": 30}, versionsServed(t, p, "dev", 30), "all traffic back on 1.0.0")
	assertStatus(t, p, "dev", "1.0.0")
	assertNoReplicasOf(t, p, "dev", "1.1.0")
	assert.Nil(t, canaryStatusOf(t, p, "dev"))
	deps := canaryHistory(t, p, "dev")
	assert.Equal(t, "1.1.0", deps[0].Version)
	assert.Equal(t, "failed", deps[0].Outcome)
	assert.Contains(t, deps[0].Reason, "aborted by e2e from another terminal")
	assert.NotContains(t, deps[0].Reason, "interrupted")

	nothing := bake(t, p.Dir, "abort", "svc", "--env", "dev")
	assert.Equal(t, 2, nothing.code, nothing.String())
}
