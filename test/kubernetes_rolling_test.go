package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/labels"

	kube "github.com/bakehq/bake/internal/targets/kubernetes"
)

// TestKubernetesRolling: under the rolling strategy every release updates
// one Deployment, IMAGE, in place with the Deployment controller's own
// rolling update, and the Service selects that Deployment's pods whatever
// their release.
func TestKubernetesRolling(t *testing.T) {
	t.Parallel()
	p := newKubeProject(t, kubeOptions{Target: "strategy: rolling"})
	v1, v2 := p.release("1.0.0"), p.release("1.1.0")

	assertRolling := func(rel kubeRelease) *appsv1.Deployment {
		t.Helper()
		assert.Equal(t, []string{kube.RollingName(kubeImage)}, p.deployments("dev"), "one Deployment")
		d := p.deploymentNamed("dev", kube.RollingName(kubeImage))
		require.NotNil(t, d)
		assert.Equal(t, rel.Reference, d.Spec.Template.Spec.Containers[0].Image, "the pods run %s by digest", rel.Version)
		assert.Equal(t, rel.Digest, d.Annotations[kube.AnnotationDigest])
		assert.Equal(t, rel.Version, d.Labels[kube.LabelVersion])
		assert.Equal(t, rel.Version, d.Spec.Template.Labels[kube.LabelVersion])
		assert.Equal(t, appsv1.RollingUpdateDeploymentStrategyType, d.Spec.Strategy.Type)
		assert.Equal(t, int32(2), d.Status.UpdatedReplicas)
		assert.Equal(t, int32(2), d.Status.AvailableReplicas)
		sel := labels.Set{kube.LabelVersion: rel.Version}
		for k, v := range kube.RollingSelector(p.Name, "dev", kubeImage) {
			sel[k] = v
		}
		assert.Equal(t, 2, p.readyPods("dev", sel), "ready pods of %s", rel.Version)
		svc := p.service("dev")
		require.NotNil(t, svc)
		assert.Equal(t, map[string]string(kube.RollingSelector(p.Name, "dev", kubeImage)), svc.Spec.Selector)
		return d
	}

	res := p.mustBake("promote", "svc@1.0.0", "--to", "dev")
	assert.Contains(t, res.stdout, "promoted svc in dev to 1.0.0")
	first := assertRolling(v1)

	res = p.mustBake("promote", "svc@1.1.0", "--to", "dev")
	assert.Contains(t, res.stdout, "promoted svc in dev to 1.1.0 (was 1.0.0)")
	assert.Contains(t, res.stderr, "rolling")
	assertKubeCalls(t, res)
	second := assertRolling(v2)
	assert.Equal(t, first.UID, second.UID, "the same Deployment, updated in place")
	assert.Greater(t, second.Generation, first.Generation)

	es := p.status("dev")
	assert.Equal(t, "1.1.0", es.Version)
	assert.Empty(t, es.Drift)
	p.mustBake("status", "--check")
	d := newest(t, p.history("dev"), "promote", "1.1.0")
	assert.Equal(t, "succeeded", d.Outcome)
	assert.Equal(t, "1.0.0", d.Previous)
}
