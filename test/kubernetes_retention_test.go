package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	kube "github.com/bakehq/bake/internal/targets/kubernetes"
)

// TestKubernetesRetention: the replaced release's Deployment is kept at
// zero pods, as are older ones up to retention.releases, and deleted beyond;
// switching the environment to the rolling strategy deletes every
// per-release Deployment, the one rolling Deployment then holding the
// only release there is.
func TestKubernetesRetention(t *testing.T) {
	t.Parallel()
	p := newKubeProject(t, kubeOptions{Retention: map[string]string{"dev": "{previous: stopped, releases: 1}"}})
	versions := []string{"1.0.0", "1.1.0", "1.2.0", "1.3.0"}
	rels := map[string]kubeRelease{}
	for _, v := range versions {
		rels[v] = p.release(v)
	}
	for _, v := range versions[:3] {
		p.mustBake("promote", "svc@"+v, "--to", "dev")
	}
	p.assertSelects("dev", "1.2.0")
	p.assertRuns("dev", rels["1.2.0"], 2)
	p.assertRuns("dev", rels["1.1.0"], 0) // kept for rollback
	assert.Nil(t, p.deployment("dev", "1.0.0"), "beyond retention.releases")
	assert.ElementsMatch(t, []string{"svc-v1-1-0", "svc-v1-2-0"}, p.deployments("dev"))
	p.mustBake("status", "--check")

	p.Target["dev"] = "strategy: rolling"
	p.writeConfig()
	res := p.mustBake("promote", "svc@1.3.0", "--to", "dev")
	assert.Contains(t, res.stdout, "promoted svc in dev to 1.3.0 (was 1.2.0)")
	assert.Equal(t, []string{kube.RollingName(kubeImage)}, p.deployments("dev"))
	d := p.deploymentNamed("dev", kube.RollingName(kubeImage))
	require.NotNil(t, d)
	assert.Equal(t, rels["1.3.0"].Reference, d.Spec.Template.Spec.Containers[0].Image)
	assert.Equal(t, int32(2), d.Status.AvailableReplicas)
	svc := p.service("dev")
	require.NotNil(t, svc)
	assert.Equal(t, map[string]string(kube.RollingSelector(p.Name, "dev", kubeImage)), svc.Spec.Selector)
	p.mustBake("status", "--check")
}
