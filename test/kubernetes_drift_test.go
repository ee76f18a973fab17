package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	kube "github.com/bakehq/bake/internal/targets/kubernetes"
)

// TestKubernetesDriftAfterHandEdit: someone points dev's Service at
// another release by hand, as `kubectl patch` does. `bake status --check`
// names the difference and who made it (exit 4); the next rollback applies
// the Service again, and what runs is what the record says.
func TestKubernetesDriftAfterHandEdit(t *testing.T) {
	t.Parallel()
	p := newKubeProject(t, kubeOptions{Retention: map[string]string{"dev": "{previous: warm}"}})
	v1, v2 := p.release("1.0.0"), p.release("1.1.0")
	p.mustBake("promote", "svc@1.0.0", "--to", "dev")
	p.mustBake("promote", "svc@1.1.0", "--to", "dev")
	p.mustBake("status", "--check")

	patch := `{"spec":{"selector":{"` + kube.LabelVersion + `":"1.0.0"}}}`
	_, err := p.kube.CoreV1().Services(p.Namespaces["dev"]).Patch(t.Context(), "svc", types.StrategicMergePatchType,
		[]byte(patch), metav1.PatchOptions{FieldManager: "kubectl-patch"})
	require.NoError(t, err)
	p.assertSelects("dev", "1.0.0")

	res := p.bake("status", "--check")
	require.Equal(t, 4, res.code, res.String())
	assert.Contains(t, res.stdout, `drift: svc in dev: service svc: "kubectl-patch" owns spec.selector (edited by hand`)
	assert.Contains(t, res.stdout, "drift: svc in dev: service svc selects 1.0.0, but the record says 1.1.0 runs")
	assert.Contains(t, res.stderr, "what runs differs from the record")
	es := p.status("dev")
	assert.NotEmpty(t, es.Drift)
	assert.Equal(t, "1.1.0", es.Version, "the record still says 1.1.0")
	assert.Empty(t, p.status("prod").Drift, "prod runs nothing and drifts not")

	// The record goes back to 1.0.0 through bake: the Service is applied
	// by bake again, and the hand edit's manager owns nothing of it.
	res = p.mustBake("rollback", "svc", "--env", "dev", "--yes")
	assert.Contains(t, res.stdout, "rolled back svc in dev to 1.0.0 (was 1.1.0)")
	p.assertSelects("dev", "1.0.0")
	p.assertRuns("dev", v1, 2)
	p.assertRuns("dev", v2, 2)
	// bake applied the value the hand edit had set, so the two share the
	// selector now: what it holds is bake's, which is no drift.
	owners := map[string]bool{}
	for _, mf := range p.service("dev").ManagedFields {
		owners[mf.Manager] = true
	}
	assert.True(t, owners[kube.FieldManager], "bake applied the Service: %v", owners)
	p.mustBake("status", "--check")
	assert.Equal(t, "rollback", newest(t, p.history("dev"), "rollback", "1.0.0").Kind)
}
