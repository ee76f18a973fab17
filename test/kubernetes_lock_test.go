package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKubernetesConcurrentPromotes starts two promotions of the same
// release to the same environment at once, as the docker target's
// TestConcurrentPromotes does: the environment's lock lets exactly one
// deploy, and the other exits 3 naming the holder, having changed nothing.
func TestKubernetesConcurrentPromotes(t *testing.T) {
	t.Parallel()
	p := newKubeProject(t, kubeOptions{})
	v1, v2 := p.release("1.0.0"), p.release("1.1.0")
	p.mustBake("promote", "svc@1.0.0", "--to", "dev")
	before := p.history("").Deployments

	ctx, cancel := context.WithTimeout(context.Background(), bakeTimeout)
	defer cancel()
	type run struct {
		stdout, stderr strings.Builder
		code           int
	}
	runs := make([]*run, 2)
	start := make(chan struct{})
	done := make(chan struct{}, len(runs))
	for i := range runs {
		r := &run{}
		runs[i] = r
		cmd := bakeCmd(ctx, p.Dir, nil, "promote", "svc@1.1.0", "--to", "dev")
		cmd.Stdout, cmd.Stderr = &r.stdout, &r.stderr
		go func() {
			defer func() { done <- struct{}{} }()
			<-start
			if err := cmd.Run(); err != nil && cmd.ProcessState == nil {
				r.code = -1
				r.stderr.WriteString(err.Error())
				return
			}
			r.code = cmd.ProcessState.ExitCode()
		}()
	}
	close(start)
	for range runs {
		<-done
	}
	require.NoError(t, ctx.Err(), "promotions did not finish")

	codes := map[int]int{}
	for i, r := range runs {
		t.Logf("promote %d: exit %d\n%s%s", i, r.code, r.stdout.String(), r.stderr.String())
		codes[r.code]++
		switch r.code {
		case 0:
			assert.Contains(t, r.stdout.String(), "promoted svc in dev to 1.1.0 (was 1.0.0)")
		case 3:
			assert.Contains(t, r.stderr.String(), "locked by", "a refused promotion names the holder")
			assert.Contains(t, r.stderr.String(), "e2e")
			assert.NotContains(t, r.stderr.String(), "kubernetes:", "a refused promotion calls no API")
		}
	}
	assert.Equal(t, map[int]int{0: 1, 3: 1}, codes, "one deploys, the other is refused")

	after := p.history("").Deployments
	require.Len(t, after, len(before)+1, "exactly one new deployment")
	assert.Equal(t, "1.1.0", after[0].Version)
	assert.Equal(t, "succeeded", after[0].Outcome)
	p.assertSelects("dev", "1.1.0")
	p.assertRuns("dev", v2, 2)
	p.assertRuns("dev", v1, 0)
	assert.ElementsMatch(t, []string{"svc-v1-0-0", "svc-v1-1-0"}, p.deployments("dev"))
	p.mustBake("status", "--check")
}
