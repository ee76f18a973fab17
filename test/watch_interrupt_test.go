package e2e

import (
	"context"
	"os"
	"regexp"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInterruptDuringWatch: Ctrl-C during the health watch ends the way a
// passed watch does: the new release serves and is recorded as serving,
// and the replicas it replaced are retired as retention says (stopped and
// kept), so nothing shows as drift.
func TestInterruptDuringWatch(t *testing.T) {
	p := newProject(t, projectOptions{Target: "watch: 60s"})
	p.release(t, "1.0.0")
	p.release(t, "1.1.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")

	code, out := runUntil(t, p.Dir, regexp.MustCompile(`^watching svc@1.1.0`), func(proc *os.Process) {
		require.NoError(t, proc.Signal(syscall.SIGINT))
	}, "promote", "svc@1.1.0", "--to", "dev")
	t.Log(out)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "interrupted while watching svc@1.1.0")
	assert.Contains(t, out, "recorded as serving")

	assertServes(t, p, "dev", "1.1.0")
	assertStatus(t, p, "dev", "1.1.0")
	res := bake(t, p.Dir, "status", "--check")
	assert.Equal(t, 0, res.code, "no drift and nothing interrupted after Ctrl-C during the watch: %s", res)
	old, err := listContainers(context.Background(), "dev.bake.project="+p.Name, "dev.bake.version=1.0.0")
	require.NoError(t, err)
	for _, c := range old {
		assert.False(t, c.Running, "replica %s of 1.0.0 still runs", c.Name)
	}
	assert.Equal(t, "succeeded", history(t, p, "dev").Deployments[0].Outcome)
}
