package ecs_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/targets"
	ecstarget "github.com/bakehq/bake/internal/targets/ecs"
)

// killedBeforeSwitch leaves what a run killed (kill -9, no cleanup) while
// it waited for 1.1.0's health leaves: its revision, target group in the
// listener at weight 0 and service, made by operation "op-killed".
func (f *fixture) killedBeforeSwitch() {
	f.t.Helper()
	_, err := f.deploy(f.t.Context(), release("1.0.0"), "")
	require.NoError(f.t, err)
	killed := ecstarget.New(f.aws, f.project, "op-killed", f.progress)
	killed.Poll = f.target.Poll
	_, err = killed.Deploy(f.t.Context(), f.request(release("1.1.0")))
	require.NoError(f.t, err)
	// Back to the forward action as it was before the switch.
	_, err = f.target.Deploy(f.t.Context(), f.request(release("1.0.0")))
	require.NoError(f.t, err)
	require.Equal(f.t, map[string]int32{"template": 0, "1.0.0": 100, "1.1.0": 0}, f.weights())
}

// TestRecoverPutsTheRecordedReleaseBack recovers after a run was killed
// before its switch: the recorded release keeps every request, and what
// the killed run made is deleted.
func TestRecoverPutsTheRecordedReleaseBack(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.KeepWarm)
	f.killedBeforeSwitch()
	recorded := release("1.0.0")
	live, err := f.target.Inspect(t.Context(), f.request(release("1.1.0")))
	require.NoError(t, err)
	assert.True(t, live.ServesOnly(recorded.Digest, 2), "%s", live)

	got, err := f.target.Recover(t.Context(), targets.Recovery{Request: f.request(release("1.1.0")), Finish: true,
		Previous: "1.0.0", Recorded: &recorded, Operation: "op-killed"})
	require.NoError(t, err)
	assert.Equal(t, targets.Recovered{Serves: "1.0.0"}, got)
	assert.Equal(t, map[string]int32{"template": 0, "1.0.0": 100}, f.weights())
	assert.Nil(t, f.service("1.1.0"), "the killed run's service is deleted")
	assert.False(t, f.targetGroupExists("1.1.0"), "and its target group")
}

// TestRecoverFinishes keeps the interrupted release when it alone gets
// requests and is healthy: the run was killed after its switch.
func TestRecoverFinishes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.KeepStopped)
	_, err := f.deploy(t.Context(), release("1.0.0"), "")
	require.NoError(t, err)
	_, err = f.target.Deploy(t.Context(), f.request(release("1.1.0")))
	require.NoError(t, err)
	recorded := release("1.0.0")
	got, err := f.target.Recover(t.Context(), targets.Recovery{Request: f.request(release("1.1.0")), Finish: true,
		Previous: "1.0.0", Recorded: &recorded, Operation: "op-other"})
	require.NoError(t, err)
	assert.Equal(t, targets.Recovered{Finished: true, Serves: "1.1.0"}, got)
	assert.Equal(t, map[string]int32{"template": 0, "1.1.0": 100}, f.weights(), "1.0.0 is retired as retention says: stopped")
	assert.Zero(t, f.service("1.0.0").DesiredCount)
}
