package e2e

import (
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startBake starts bake in the background and returns the command and its stderr.
func startBake(t *testing.T, dir string, args ...string) (*execution, func() int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := bakeCmd(ctx, dir, nil, args...)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	run := &execution{pid: cmd.Process.Pid, stderr: stderr}
	return run, func() int {
		defer cancel()
		_ = cmd.Wait()
		return cmd.ProcessState.ExitCode()
	}
}

type execution struct {
	pid    int
	stderr *syncBuffer
}

// waitForContainer waits until a container with the labels exists.
func waitForContainer(t *testing.T, labels ...string) {
	t.Helper()
	require.Eventually(t, func() bool {
		list, err := listContainers(context.Background(), labels...)
		return err == nil && len(list) > 0
	}, 60*time.Second, 100*time.Millisecond, "no container with %v appeared", labels)
}

// TestInterruptDuringValidation stops bake with SIGINT and SIGTERM while its
// sandbox runs a check that will never pass: the sandbox is removed and
// nothing is recorded.
func TestInterruptDuringValidation(t *testing.T) {
	p := newProject(t, projectOptions{})
	p.setHealthyUntil(t, time.Now().Add(-time.Hour)) // the http check retries until its deadline
	// The project has recorded nothing yet: not even a ledger exists.
	require.Contains(t, mustBake(t, p.Dir, "history", "svc").stdout, "nothing released yet")
	for i, sig := range []os.Signal{syscall.SIGINT, syscall.SIGTERM} {
		version := []string{"3.0.0", "3.0.1"}[i]
		run, wait := startBake(t, p.Dir, "release", "svc", "--version", version)
		waitForContainer(t, "dev.bake.project="+p.Name, "dev.bake.kind=sandbox", "dev.bake.version="+version)
		proc, err := os.FindProcess(run.pid)
		require.NoError(t, err)
		require.NoError(t, proc.Signal(sig))
		code := wait()
		assert.NotZero(t, code, "%v: bake must not succeed", sig)
		assert.Contains(t, run.stderr.String(), "interrupted", sig.String())

		left, err := listContainers(context.Background(), "dev.bake.project="+p.Name, "dev.bake.kind=sandbox")
		require.NoError(t, err)
		assert.Empty(t, left, "%v: sandbox containers left behind", sig)
	}
	after := history(t, p, "")
	assert.Empty(t, after.Releases, "an interrupted release records no release")
	assert.Empty(t, after.Deployments, "an interrupted release records no deployment")
}

// TestInterruptDuringPromote stops a promotion while its new replicas wait
// for health: they are removed, the old release keeps serving, the
// deployment is recorded as failed because it was interrupted (not as
// unhealthy), and the lock is released.
func TestInterruptDuringPromote(t *testing.T) {
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	bomb := p.bomb(6 * time.Second)
	p.setHealthyUntil(t, bomb)
	p.release(t, "1.1.0")
	time.Sleep(time.Until(bomb) + time.Second)

	run, wait := startBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")
	waitForContainer(t, "dev.bake.project="+p.Name, "dev.bake.kind=replica", "dev.bake.version=1.1.0")
	// Its replicas have started: bake waits for them to become healthy.
	require.Eventually(t, func() bool { return strings.Contains(run.stderr.String(), "started ") },
		60*time.Second, 20*time.Millisecond, "no replica started")
	proc, err := os.FindProcess(run.pid)
	require.NoError(t, err)
	require.NoError(t, proc.Signal(syscall.SIGINT))
	assert.Equal(t, 1, wait(), run.stderr.String())
	stderr := run.stderr.String()
	assert.Contains(t, stderr, "interrupted by Ctrl-C (SIGINT) before the replicas of svc@1.1.0 were proven healthy")
	assert.NotContains(t, stderr, "did not become healthy")
	assert.NotContains(t, stderr, "unhealthy")

	left, err := listContainers(context.Background(), "dev.bake.project="+p.Name, "dev.bake.version=1.1.0")
	require.NoError(t, err)
	assert.Empty(t, left, "replicas of the interrupted promotion left behind")
	assertServes(t, p, "dev", "1.0.0")
	deps := history(t, p, "dev").Deployments
	require.NotEmpty(t, deps)
	assert.Equal(t, "failed", deps[0].Outcome)
	assert.Contains(t, deps[0].Reason, "interrupted by Ctrl-C (SIGINT) before the replicas of svc@1.1.0 were proven healthy")
	assert.NotContains(t, deps[0].Reason, "healthy:")

	// The lock was released: the next promotion to dev is not refused.
	res := bake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	assert.Equal(t, 0, res.code, res.String())
	assert.Contains(t, res.stdout, "already runs")
}
