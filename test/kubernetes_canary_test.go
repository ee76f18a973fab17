package e2e

import (
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/servicestest"
	kube "github.com/bakehq/bake/internal/targets/kubernetes"
)

// kubeCanary is a kubernetes target's canary of two short steps, judged
// by one Prometheus query (a Service has no front door to measure): query
// is its PromQL, and the canary fails once its value is above 0.5.
func kubeCanary(query string) string {
	return `strategy: canary, steps: [{weight: 10, pause: 2s}, {weight: 50, pause: 2s}], ` +
		`analysis: {interval: 1s, prometheus: "` + servicestest.PrometheusURL + `", ` +
		`queries: [{name: errors, max: 0.5, query: '` + query + `'}]}`
}

// canarySelector is what the Service selects while a canary shares it:
// the per-release pods of every release of the project's svc in env.
func (p *kubeProject) assertShared(env string) {
	p.t.Helper()
	want := kube.Selector(p.Name, env, kubeImage)
	want[kube.LabelPerRelease] = "true"
	assert.Equal(p.t, map[string]string(want), p.service(env).Spec.Selector, "%s's Service selects both releases' pods", env)
}

// TestKubernetesCanary: a canary on the test cluster goes step by step,
// each step's weight a share of the Service's ready pods (10% of two
// baseline pods is one canary pod of three, and bake says 33%), judged by
// its Prometheus query alone, to the canary alone behind the Service,
// recorded as succeeded; the replaced release is retired as retention
// says. A release whose query fails is stopped at its first step: the
// Service selects the release before it again, the canary's Deployment is
// deleted, the failure is recorded and rolled back automatically.
func TestKubernetesCanary(t *testing.T) {
	t.Parallel()
	p := newKubeProject(t, kubeOptions{Target: kubeCanary("vector(0)")})
	v1, v2 := p.release("1.0.0"), p.release("1.1.0")
	p.release("1.2.0")

	res := p.mustBake("promote", "svc@1.0.0", "--to", "dev")
	assert.Contains(t, res.stderr, "nothing to compare a canary with")

	res = p.mustBake("promote", "svc@1.1.0", "--to", "dev")
	assert.Contains(t, res.stderr, "33% of pods (1 of 3)", res.stderr)
	assert.Contains(t, res.stderr, "50% of pods (2 of 4)")
	assert.Contains(t, res.stderr, "step 1/2: the share said above (the step asks 10%) to svc@1.1.0 for 2s")
	assert.NotContains(t, res.stderr, "of requests", "a Service shares pods, not requests")
	assert.Contains(t, res.stderr, "passed its 2 steps")
	assert.NotContains(t, res.stderr, "front door")
	assertKubeCalls(t, res)
	p.assertRuns("dev", v2, 2)
	p.assertSelects("dev", "1.1.0")
	p.assertRuns("dev", v1, 0) // stopped, retention's default
	h := p.history("dev")
	var outcomes []string
	for _, d := range h.Deployments {
		if d.Version == "1.1.0" {
			outcomes = append(outcomes, d.Outcome)
		}
	}
	assert.Equal(t, []string{"succeeded", "step", "step"}, outcomes)

	p.Target["dev"] = kubeCanary("vector(1)")
	p.writeConfig()
	res = p.bake("promote", "svc@1.2.0", "--to", "dev")
	require.Equal(t, 1, res.code, res.String())
	assert.Contains(t, res.stderr, `svc@1.2.0 failed its canary analysis in "dev" at step 1/2 (10%): errors`)
	assert.Contains(t, res.stderr, "every request is back on 1.1.0")
	p.assertSelects("dev", "1.1.0")
	p.assertRuns("dev", v2, 2)
	assert.Nil(t, p.deployment("dev", "1.2.0"), "the canary's Deployment is deleted")
	assert.Equal(t, "auto-rollback", p.history("dev").Deployments[0].Kind)
}

// TestKubernetesCanaryHeld: `--step` holds the canary at its first step
// with its share of the pods and exits 0; status and recover see no drift
// in it; `bake abort` points the Service back at the baseline and deletes
// the canary; `--continue` of a held one judges the held step and goes on
// to the end.
func TestKubernetesCanaryHeld(t *testing.T) {
	t.Parallel()
	p := newKubeProject(t, kubeOptions{Target: kubeCanary("vector(0)")})
	p.release("1.0.0")
	v2 := p.release("1.1.0")
	p.mustBake("promote", "svc@1.0.0", "--to", "dev")

	plan := p.mustBake("promote", "svc@1.1.0", "--to", "dev", "--plan")
	assert.Contains(t, plan.stdout, "gets 33% of the ready pods (1 of 3; the step asks 10%)", plan.String())
	res := p.mustBake("promote", "svc@1.1.0", "--to", "dev", "--step")
	assert.Contains(t, res.stderr, "33% of pods (1 of 3)")
	p.assertShared("dev")
	assert.Equal(t, int32(1), *p.deployment("dev", "1.1.0").Spec.Replicas)
	res = p.mustBake("status", "svc", "--check")
	assert.Contains(t, res.stdout, "canary svc@1.1.0")
	rec := p.bake("recover", "dev")
	assert.Equal(t, 0, rec.code, rec.String())
	p.assertShared("dev")

	res = p.mustBake("abort", "svc", "--env", "dev")
	assert.Contains(t, res.stdout, "aborted the canary of svc@1.1.0 in dev: every request is back on 1.0.0", res.String())
	p.assertSelects("dev", "1.0.0")
	assert.Nil(t, p.deployment("dev", "1.1.0"))
	assert.Equal(t, 2, p.bake("abort", "svc", "--env", "dev").code, "nothing left to abort")

	p.mustBake("promote", "svc@1.1.0", "--to", "dev", "--step")
	p.assertShared("dev")
	res = p.mustBake("promote", "svc", "--env", "dev", "--continue")
	assert.Contains(t, res.stderr, "50% of pods (2 of 4)")
	p.assertSelects("dev", "1.1.0")
	p.assertRuns("dev", v2, 2)
}

// TestKubernetesCanaryAbortAfterKill: `bake abort` of a kubernetes canary
// whose bake was killed mid-step points the Service back at the baseline,
// deletes the canary's Deployment and records the canary once, aborted;
// Ctrl-C of the bake running one does the same itself.
func TestKubernetesCanaryAbortAfterKill(t *testing.T) {
	t.Parallel()
	p := newKubeProject(t, kubeOptions{Target: `strategy: canary, steps: [{weight: 10, pause: 5m}], ` +
		`analysis: {interval: 1s, prometheus: "` + servicestest.PrometheusURL + `", queries: [{name: errors, max: 0.5, query: 'vector(0)'}]}`})
	p.release("1.0.0")
	p.release("1.1.0")
	p.mustBake("promote", "svc@1.0.0", "--to", "dev")
	out := runAndKill(t, p.Dir, killPoint{name: "mid-step", line: regexp.MustCompile(`^step 1/1`), nth: 1},
		"promote", "svc@1.1.0", "--to", "dev")
	require.Contains(t, out, "--- SIGKILL", out)
	p.assertShared("dev")

	res := p.mustBake("abort", "svc", "--env", "dev")
	assert.Contains(t, res.stdout, "aborted the canary of svc@1.1.0 in dev: every request is back on 1.0.0", res.String())
	p.assertSelects("dev", "1.0.0")
	assert.NotContains(t, p.service("dev").Annotations, kube.AnnotationBaseline)
	assert.Nil(t, p.deployment("dev", "1.1.0"), "the canary's Deployment is deleted")
	var ends []string
	for _, d := range p.history("dev").Deployments {
		if d.Version == "1.1.0" && d.Outcome != "step" {
			ends = append(ends, d.Outcome+": "+d.Reason)
		}
	}
	require.Len(t, ends, 1, "one record of the canary's end")
	assert.Contains(t, ends[0], "aborted by e2e after the bake running it stopped")

	// Ctrl-C mid-step: the bake running it sends every request back itself.
	code, out := runActing(t, p.Dir, func(line string) bool { return strings.HasPrefix(line, "step 1/1") },
		func(proc *os.Process) string {
			_ = proc.Signal(syscall.SIGINT)
			return "--- SIGINT"
		}, "promote", "svc@1.1.0", "--to", "dev")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "interrupted by Ctrl-C (SIGINT) while it served its share", out)
	p.assertSelects("dev", "1.0.0")
	assert.Nil(t, p.deployment("dev", "1.1.0"), "the canary's Deployment is deleted")
}
