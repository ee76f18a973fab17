package e2e

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRetentionModesAndPins runs dev with warm, qa with stopped and prod
// with removed retention: after 1.1.0 replaces 1.0.0 the old replicas run,
// are stopped, or are gone, and each rollback takes the matching path
// (switch only, restart, new replicas). A rollback pins the environment:
// `promote --from` is refused until `bake unpin` or an explicit promote.
func TestRetentionModesAndPins(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{Retention: map[string]string{
		"dev": "{previous: warm}", "qa": "{previous: stopped}", "prod": "{previous: removed}",
	}})
	p.release(t, "1.0.0")
	p.release(t, "1.1.0")
	for _, v := range []string{"1.0.0", "1.1.0"} {
		mustBake(t, p.Dir, "promote", "svc@"+v, "--to", "dev")
		mustBake(t, p.Dir, "promote", "svc", "--from", "dev", "--to", "qa")
		mustBake(t, p.Dir, "promote", "svc", "--from", "qa", "--to", "prod")
	}
	ctx := context.Background()
	oldReplicas := func(env string) (running, stopped int) {
		t.Helper()
		list, err := listContainers(ctx, "dev.bake.project="+p.Name, "dev.bake.env="+env, "dev.bake.version=1.0.0")
		require.NoError(t, err)
		for _, c := range list {
			if c.Running {
				running++
			} else {
				stopped++
			}
		}
		return running, stopped
	}
	running, stopped := oldReplicas("dev")
	assert.Equal(t, [2]int{2, 0}, [2]int{running, stopped}, "dev keeps 1.0.0 warm")
	running, stopped = oldReplicas("qa")
	assert.Equal(t, [2]int{0, 2}, [2]int{running, stopped}, "qa keeps 1.0.0 stopped")
	running, stopped = oldReplicas("prod")
	assert.Equal(t, [2]int{0, 0}, [2]int{running, stopped}, "prod removed 1.0.0")

	// Replicas kept warm are not drift.
	mustBake(t, p.Dir, "status", "--check")

	plan := mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev", "--plan")
	assert.Regexp(t, `use 2 replica\(s\) kept warm: bake-`+p.Name+`-dev-svc-1\.0\.0-\w+-\d, bake-`+p.Name+`-dev-svc-1\.0\.0-\w+-\d\n`, plan.stdout)
	assert.NotContains(t, plan.stdout, "[")

	res := mustBake(t, p.Dir, "rollback", "svc", "--env", "dev", "--yes")
	assert.Contains(t, res.stderr, "(kept warm)")
	assert.NotContains(t, res.stderr, "started")
	assert.Contains(t, res.stdout, "dev is pinned to 1.0.0")
	assertServes(t, p, "dev", "1.0.0")
	running, _ = oldReplicas("dev")
	assert.Equal(t, 2, running)

	res = mustBake(t, p.Dir, "rollback", "svc", "--env", "qa", "--yes")
	assert.Contains(t, res.stderr, "restarted")
	assertServes(t, p, "qa", "1.0.0")

	res = mustBake(t, p.Dir, "rollback", "svc", "--env", "prod", "--yes")
	assert.Contains(t, res.stderr, "started bake-"+p.Name+"-prod-svc-1.0.0")
	assertServes(t, p, "prod", "1.0.0")
	status := mustBake(t, p.Dir, "status", "--check")
	assert.Contains(t, status.stdout, "1.0.0 (pinned)")

	// Pinned: qa may not move forward from dev's release automatically.
	mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")
	res = bake(t, p.Dir, "promote", "svc", "--from", "dev", "--to", "qa")
	require.Equal(t, 3, res.code, res.String())
	assert.Contains(t, res.stderr, `svc in "qa" is pinned to 1.0.0`)
	assert.Contains(t, res.stderr, "bake unpin svc --env qa")
	plan = bake(t, p.Dir, "promote", "svc", "--from", "dev", "--to", "qa", "--plan")
	assert.Equal(t, 3, plan.code, plan.String())
	assert.Regexp(t, `UNMET\s+not pinned`, plan.stdout)
	assertServes(t, p, "qa", "1.0.0")

	res = mustBake(t, p.Dir, "unpin", "svc", "--env", "qa", "--reason", "fixed")
	assert.Contains(t, res.stdout, "no longer pinned to 1.0.0")
	mustBake(t, p.Dir, "promote", "svc", "--from", "dev", "--to", "qa")
	assertServes(t, p, "qa", "1.1.0")

	// An explicit version ends the pin too.
	res = mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "prod")
	// Ending the pin is part of the promote's recorded outcome, so it is
	// reported with the result.
	assert.Contains(t, res.stdout, `svc in "prod" is no longer pinned to 1.0.0`)
	assertServes(t, p, "prod", "1.1.0")
	res = mustBake(t, p.Dir, "unpin", "svc", "--env", "prod")
	assert.Contains(t, res.stdout, "is not pinned")
}
