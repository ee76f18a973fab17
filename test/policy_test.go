package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPromotionOrderRefused checks the policy gates: a release enters an
// environment only after the one before it, and a release that failed
// validation enters none. Refusals record nothing.
func TestPromotionOrderRefused(t *testing.T) {
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")

	before := history(t, p, "")
	res := bake(t, p.Dir, "promote", "svc@1.0.0", "--to", "qa")
	assert.Equal(t, 3, res.code, res.String())
	assert.Contains(t, res.stderr, `"dev"`, "the refusal names the environment that comes first")
	res = bake(t, p.Dir, "promote", "svc@1.0.0", "--to", "prod")
	assert.Equal(t, 3, res.code, res.String())
	assert.Contains(t, res.stderr, `"qa"`)
	assert.Equal(t, before, history(t, p, ""), "refused promotions record nothing")

	// Unhealthy from the start: the sandbox rejects it.
	p.setHealthyUntil(t, time.Unix(1, 0))
	res = bake(t, p.Dir, "release", "svc", "--version", "1.1.0")
	assert.Equal(t, 1, res.code, res.String())
	assert.Contains(t, res.stderr, "validation failed")
	h := history(t, p, "")
	require.Len(t, h.Releases, 2)
	assert.Equal(t, "1.1.0", h.Releases[0].Version)
	assert.Equal(t, "failed", h.Releases[0].Status, "a release that failed validation is recorded as failed")
	assert.Empty(t, h.Releases[0].Digest, "a failed release is never published")

	for _, env := range envNames {
		res = bake(t, p.Dir, "promote", "svc@1.1.0", "--to", env)
		assert.Equal(t, 3, res.code, "promote to %s: %s", env, res)
		assert.Contains(t, res.stderr, "failed validation")
	}
	assert.Equal(t, h, history(t, p, ""), "refused promotions record nothing")
	left, err := listContainers(context.Background(), "dev.bake.project="+p.Name)
	require.NoError(t, err)
	assert.Empty(t, left, "nothing runs after a failed release and refused promotions")
}

// TestConcurrentPromotes starts five promotions of the same release to the
// same environment at once: the environment lock lets exactly one deploy.
func TestConcurrentPromotes(t *testing.T) {
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	p.release(t, "1.1.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	before := history(t, p, "").Deployments

	const n = 5
	ctx, cancel := context.WithTimeout(context.Background(), bakeTimeout)
	defer cancel()
	type run struct {
		stdout, stderr strings.Builder
		code           int
	}
	runs := make([]*run, n)
	start := make(chan struct{})
	done := make(chan int, n)
	for i := range runs {
		r := &run{}
		runs[i] = r
		cmd := bakeCmd(ctx, p.Dir, nil, "promote", "svc@1.1.0", "--to", "dev")
		cmd.Stdout, cmd.Stderr = &r.stdout, &r.stderr
		go func() {
			<-start
			if err := cmd.Run(); err != nil && cmd.ProcessState == nil {
				r.code = -1
				r.stderr.WriteString(err.Error())
			} else {
				r.code = cmd.ProcessState.ExitCode()
			}
			done <- i
		}()
	}
	close(start)
	for range n {
		<-done
	}
	require.NoError(t, ctx.Err(), "promotions did not finish")

	deployed := 0
	for i, r := range runs {
		t.Logf("promote %d: exit %d\n%s%s", i, r.code, r.stdout.String(), r.stderr.String())
		switch r.code {
		case 0:
			deployed++
			assert.Contains(t, r.stdout.String(), "promoted svc in dev to 1.1.0 (was 1.0.0)")
		case 3:
			assert.Contains(t, r.stderr.String(), "locked by", "a refused promotion names the holder")
			assert.Contains(t, r.stderr.String(), "e2e")
		default:
			t.Errorf("promote %d: exit %d, want 0 or 3\n%s", i, r.code, r.stderr.String())
		}
	}
	assert.Equal(t, 1, deployed, "exactly one promotion deploys")

	after := history(t, p, "").Deployments
	require.Len(t, after, len(before)+1, "exactly one new deployment")
	assert.Equal(t, "1.1.0", after[0].Version)
	assert.Equal(t, "succeeded", after[0].Outcome)
	assertServes(t, p, "dev", "1.1.0")
	assertStatus(t, p, "dev", "1.1.0")
}
