package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPromotionOrderRefused checks the policy gates: a release enters an
// environment only after the one before it, and a release that failed
// validation enters none. Refusals record nothing.
func TestPromotionOrderRefused(t *testing.T) {
	t.Parallel()
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

// TestConcurrentPromotes starts twenty promotions of the same release to the
// same environment at once: the environment lock lets exactly one deploy,
// and every other one exits 3 naming the holder.
func TestConcurrentPromotes(t *testing.T) {
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	p.release(t, "1.1.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	before := history(t, p, "").Deployments

	const n = 20
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

// TestConcurrentReleases releases ten different images at once into one
// ledger: every release is recorded, none lost.
func TestConcurrentReleases(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	const n = 10
	var extra strings.Builder
	for i := range n {
		fmt.Fprintf(&extra, "  svc%d:\n    template: templates/svc\n    context: images/svc\n    vars: {healthy_until: \"0\", healthy_after: \"0\"}\n", i)
	}
	cfg, err := os.ReadFile(p.ConfigPath())
	require.NoError(t, err)
	writeFile(t, p.ConfigPath(), strings.Replace(string(cfg), "images:\n", "images:\n"+extra.String(), 1))

	ctx, cancel := context.WithTimeout(context.Background(), bakeTimeout)
	defer cancel()
	codes := make([]int, n)
	outs := make([]strings.Builder, n)
	var wg sync.WaitGroup
	for i := range n {
		cmd := bakeCmd(ctx, p.Dir, nil, "release", fmt.Sprintf("svc%d", i), "--version", "1.0.0", "--no-tag")
		cmd.Stdout, cmd.Stderr = &outs[i], &outs[i]
		wg.Go(func() {
			if err := cmd.Run(); err != nil && cmd.ProcessState == nil {
				codes[i] = -1
				outs[i].WriteString(err.Error())
				return
			}
			codes[i] = cmd.ProcessState.ExitCode()
		})
	}
	wg.Wait()
	require.NoError(t, ctx.Err(), "releases did not finish")
	for i := range n {
		assert.Equal(t, 0, codes[i], "release svc%d:\n%s", i, outs[i].String())
		res := mustBake(t, p.Dir, "show", fmt.Sprintf("svc%d@1.0.0", i), "-o", "json")
		assert.Contains(t, res.stdout, `"status": "validated"`, "svc%d@1.0.0 is recorded", i)
	}
}
