package e2e

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	kube "github.com/bakehq/bake/internal/targets/kubernetes"
)

// TestKubernetesPromoteAndRollback promotes two releases from dev to prod
// on the test cluster and rolls both environments back: prod keeps the
// replaced release warm, so its rollback is one apply of the Service; dev
// keeps it stopped, so its rollback scales the kept Deployment back up,
// waits for its pods and then switches.
func TestKubernetesPromoteAndRollback(t *testing.T) {
	t.Parallel()
	p := newKubeProject(t, kubeOptions{Retention: map[string]string{
		"dev": "{previous: stopped}", "prod": "{previous: warm}"}})
	v1, v2 := p.release("1.0.0"), p.release("1.1.0")

	// 1. dev, then prod from dev: a Deployment per release, by digest,
	// behind the Service.
	res := p.mustBake("promote", "svc@1.0.0", "--to", "dev")
	assert.Contains(t, res.stdout, "promoted svc in dev to 1.0.0")
	assertKubeCalls(t, res)
	res = p.mustBake("promote", "svc", "--from", "dev", "--to", "prod")
	assert.Contains(t, res.stdout, "promoted svc in prod to 1.0.0")
	assertKubeCalls(t, res)
	for _, env := range p.Envs {
		p.assertRuns(env, v1, 2)
		p.assertSelects(env, "1.0.0")
		ns, err := p.kube.CoreV1().Namespaces().Get(t.Context(), p.Namespaces[env], metav1GetOptions)
		require.NoError(t, err)
		assert.Equal(t, p.Name, ns.Labels[kube.LabelProject], "namespace %s", ns.Name)
	}

	// 2. The second release replaces the first: the Service switches, and
	// the first is kept as each environment's retention says.
	p.mustBake("promote", "svc@1.1.0", "--to", "dev")
	res = p.mustBake("promote", "svc", "--from", "dev", "--to", "prod")
	assert.Contains(t, res.stdout, "promoted svc in prod to 1.1.0 (was 1.0.0)")
	for _, env := range p.Envs {
		p.assertRuns(env, v2, 2)
		p.assertSelects(env, "1.1.0")
		assert.ElementsMatch(t, []string{"svc-v1-0-0", "svc-v1-1-0"}, p.deployments(env), env)
	}
	p.assertRuns("prod", v1, 2) // warm
	p.assertRuns("dev", v1, 0)  // stopped

	// 3. status shows each Deployment's ready and desired pods and what
	// the Service selects; nothing drifts (a warm Deployment is no drift).
	res = p.mustBake("status", "--check")
	assert.Contains(t, res.stdout, "prod: deployment svc-v1-1-0 (1.1.0): 2/2 ready")
	assert.Contains(t, res.stdout, "prod: deployment svc-v1-0-0 (1.0.0): 2/2 ready")
	assert.Contains(t, res.stdout, "dev: deployment svc-v1-0-0 (1.0.0): 0/0 ready")
	assert.Contains(t, res.stdout, "prod: service svc selects 1.1.0")
	assert.Contains(t, res.stdout, "dev: service svc selects 1.1.0")
	es := p.status("prod")
	assert.Equal(t, "1.1.0", es.Version)
	assert.Equal(t, v2.Digest, es.Digest)
	assert.Empty(t, es.Drift)
	running := map[string]int{}
	for _, r := range es.Replicas {
		if r.Running {
			running[r.Version]++
		}
	}
	assert.Equal(t, map[string]int{"1.0.0": 2, "1.1.0": 2}, running, "prod's ready pods by release: %+v", es.Replicas)

	// 4. Rolling prod back to the warm Deployment is one apply of the
	// Service: its Deployments are not written.
	before := p.deployment("prod", "1.0.0").Generation
	res = p.mustBake("rollback", "svc", "--env", "prod", "--yes")
	assert.Contains(t, res.stdout, "rolled back svc in prod to 1.0.0 (was 1.1.0)")
	assertKubeCalls(t, res)
	assert.Contains(t, res.stderr, "apply services 1")
	assert.NotRegexp(t, `(apply|patch|update|create|delete) deployments`, kubeCallsLine(res))
	p.assertSelects("prod", "1.0.0")
	assert.Equal(t, before, p.assertRuns("prod", v1, 2).Generation, "the warm Deployment was not changed")
	p.assertRuns("prod", v2, 2)

	// 5. Rolling dev back scales the stopped Deployment up, waits for it,
	// then switches; the replaced one is stopped in turn.
	res = p.mustBake("rollback", "svc", "--env", "dev", "--yes")
	assert.Contains(t, res.stdout, "rolled back svc in dev to 1.0.0 (was 1.1.0)")
	assert.Regexp(t, `(?s)svc-v1-0-0.*back up to 2.*svc-v1-0-0: 2 pod\(s\) available.*switched`, res.stderr)
	p.assertSelects("dev", "1.0.0")
	p.assertRuns("dev", v1, 2)
	p.assertRuns("dev", v2, 0)

	// 6. The ledger records every step, and what runs matches it.
	for _, env := range p.Envs {
		h := p.history(env)
		require.Len(t, h.Deployments, 3, "%s: %+v", env, h.Deployments)
		assert.Equal(t, []string{"rollback", "promote", "promote"}, kinds(h), env)
		for _, d := range h.Deployments {
			assert.Equal(t, "succeeded", d.Outcome, "%s deployment %d", env, d.ID)
		}
		assert.Equal(t, "1.0.0", p.status(env).Version, env)
	}
	p.mustBake("status", "--check")
	p.mustBake("verify")
}

// kubeCallsLine is the run's `kubernetes: N API calls (...)` line.
func kubeCallsLine(res result) string {
	return regexp.MustCompile(`(?m)^kubernetes: .*$`).FindString(res.stderr)
}

// kinds are the kinds of h's deployments, newest first.
func kinds(h historyDoc) []string {
	var out []string
	for _, d := range h.Deployments {
		out = append(out, d.Kind)
	}
	return out
}
