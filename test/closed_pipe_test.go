package e2e

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPromoteSurvivesClosedOutput: `bake promote ... 2>&1 | head -1` must
// not kill the promote when head exits: the canary goes on to the end and
// records succeeded, with nothing left for `bake recover`.
func TestPromoteSurvivesClosedOutput(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{
		Target: `strategy: canary, steps: [{weight: 10, pause: 2s}, {weight: 50, pause: 2s}], analysis: {interval: 1s, min_requests: 0}`})
	p.release(t, "1.0.0")
	p.release(t, "1.1.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")

	r, w, err := os.Pipe()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), bakeTimeout)
	defer cancel()
	cmd := bakeCmd(ctx, p.Dir, nil, "promote", "svc@1.1.0", "--to", "dev")
	cmd.Stdout, cmd.Stderr = w, w // as `2>&1 | head -1`
	require.NoError(t, cmd.Start())
	require.NoError(t, w.Close()) // only bake holds the writing end now
	first, err := bufio.NewReader(r).ReadString('\n')
	require.NoError(t, err, "bake printed no line")
	t.Logf("first line: %q", first)
	require.NoError(t, r.Close()) // the reader goes away, as head does

	err = cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		ws := exit.Sys().(syscall.WaitStatus)
		require.False(t, ws.Signaled(), "bake was killed by %v", ws.Signal())
	}
	// The promote succeeded: a script that retried on a failure would roll
	// out again, or roll back one release too far.
	require.NoError(t, err, "bake exits 0 when only its reader went away")
	require.NoError(t, ctx.Err(), "bake did not finish")

	assertStatus(t, p, "dev", "1.1.0")
	deps := canaryHistory(t, p, "dev")
	require.NotEmpty(t, deps)
	assert.Equal(t, "1.1.0", deps[0].Version)
	assert.Equal(t, "succeeded", deps[0].Outcome, "%+v", deps[0])
}
