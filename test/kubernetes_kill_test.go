package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	kube "github.com/bakehq/bake/internal/targets/kubernetes"
)

// TestKubernetesKilledPromoteRecovers kills `bake promote` with SIGKILL
// while it waits for the new release's pods (kwok keeps them unready, and
// the health timeout is long), leaving its Deployment behind. status
// reports the interrupted promote, `sweep --kubernetes --dry-run` lists
// the orphan, and `bake recover` converges: the old release serves as it
// did, the orphan is deleted, and the ledger records the promote as
// failed, interrupted. Killed right after the switch, the promote is
// finished by recover instead.
func TestKubernetesKilledPromoteRecovers(t *testing.T) {
	t.Parallel()
	p := newKubeProject(t, kubeOptions{HealthTimeout: "2m"})
	v1, v2 := p.release("1.0.0"), p.release("1.1.0")
	p.mustBake("promote", "svc@1.0.0", "--to", "dev")
	old := p.assertRuns("dev", v1, 2)
	p.setFate("dev", "unready")

	// Kill bake once the new Deployment is in the cluster.
	ctx, cancel := context.WithTimeout(t.Context(), bakeTimeout)
	defer cancel()
	cmd := bakeCmd(ctx, p.Dir, nil, "promote", "svc@1.1.0", "--to", "dev")
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for p.deployment("dev", "1.1.0") == nil || !strings.Contains(out.String(), "created Deployment") {
		select {
		case err := <-exited:
			t.Fatalf("bake promote exited before its Deployment appeared: %v\n%s", err, out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	require.NoError(t, cmd.Process.Kill())
	<-exited
	t.Logf("killed bake promote svc@1.1.0 --to dev:\n%s", out.String())
	orphan := p.deployment("dev", "1.1.0")
	require.NotNil(t, orphan)
	op := orphan.Labels[kube.LabelOperation]
	require.NotEmpty(t, op)
	p.assertSelects("dev", "1.0.0")

	res := p.bake("status", "--check")
	assert.Equal(t, 4, res.code, "the interruption shows\n%s", res)
	assert.Contains(t, res.stdout, "interrupted: svc in dev:")
	assert.Contains(t, res.stdout, "bake recover dev")

	res = p.mustBake("sweep", "--kubernetes", "--dry-run", "--older-than", "0s")
	assert.Regexp(t, `(?m)^.*svc-v1-1-0.*`+op+`.*would remove$`, res.stdout)
	assert.NotContains(t, res.stdout, "svc-v1-0-0", "the Deployment that serves is never swept")
	assert.NotNil(t, p.deployment("dev", "1.1.0"), "a dry run removes nothing")

	res = p.mustBake("recover", "dev")
	t.Logf("recover:\n%s%s", res.stdout, res.stderr)
	p.assertSelects("dev", "1.0.0")
	assert.Equal(t, []string{"svc-v1-0-0"}, p.deployments("dev"), "the orphan is deleted")
	assert.Equal(t, old.Generation, p.assertRuns("dev", v1, 2).Generation, "the serving Deployment was not changed")

	h := p.history("dev")
	for _, d := range h.Deployments {
		assert.NotEqual(t, "started", d.Outcome, "deployment %d has an outcome", d.ID)
	}
	d := newest(t, h, "promote", "1.1.0")
	assert.Equal(t, "failed", d.Outcome)
	assert.Contains(t, d.Reason, "interrupted")
	assert.Equal(t, "1.0.0", p.status("dev").Version)
	p.mustBake("status", "--check")
	p.mustBake("verify")
	res = p.mustBake("sweep", "--kubernetes", "--dry-run", "--older-than", "0s")
	assert.Contains(t, res.stdout, "nothing to sweep")
	// The lock is free: a promote of what runs takes it and changes nothing.
	res = p.mustBake("promote", "svc@1.0.0", "--to", "dev")
	assert.Contains(t, res.stdout, "dev already runs svc@1.0.0")

	// Killed right after the switch, a promote of a healthy release is
	// finished by recover: the release the Service selects keeps serving,
	// and the one it replaced is retired as if bake had not been killed.
	p.setFate("dev", "")
	switched := killPoint{name: "switched", line: regexp.MustCompile(`^switched: Service `), nth: 1}
	t.Logf("killed after the switch:\n%s", runAndKill(t, p.Dir, switched, "promote", "svc@1.1.0", "--to", "dev"))
	p.assertSelects("dev", "1.1.0")
	res = p.mustBake("recover", "dev")
	t.Logf("recover:\n%s%s", res.stdout, res.stderr)
	p.assertSelects("dev", "1.1.0")
	p.assertRuns("dev", v2, 2)
	p.assertRuns("dev", v1, 0)
	assert.Equal(t, "1.1.0", p.status("dev").Version)
	d = newest(t, p.history("dev"), "promote", "1.1.0")
	assert.Equal(t, "succeeded", d.Outcome, "%+v", d)
	p.mustBake("status", "--check")
	p.mustBake("verify")
}
