package kubernetes_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
)

// TestRollbackToWarmEditedByHand: a warm Deployment whose image was set
// by hand (as `kubectl set image` does) and that gained an env var is not
// reused: a rollback deletes it and creates it anew from the record, waits
// for it, then switches; the hand-made fields are gone.
func TestRollbackToWarmEditedByHand(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.BlueGreen, config.KeepWarm, 3)
	v1, v2 := f.release("1.0.0"), f.release("1.1.0")
	for _, rel := range []ledger.Release{v1, v2} {
		_, _, err := f.execute(ledger.KindPromote, rel)
		require.NoError(t, err)
	}
	before := f.deployment("web-v1-0-0")
	other := "127.0.0.1:5000/" + f.project + "/web@sha256:" + fmt.Sprintf("%064d", 7)
	patch := fmt.Sprintf(`{"spec":{"template":{"spec":{"containers":[{"name":"app","image":%q,"env":[{"name":"DEBUG","value":"1"}]}]}}}}`, other)
	_, err := f.admin.Clientset.AppsV1().Deployments(f.ns).Patch(t.Context(), "web-v1-0-0", types.StrategicMergePatchType,
		[]byte(patch), metav1.PatchOptions{FieldManager: "kubectl-set"})
	require.NoError(t, err)

	f.fresh()
	_, _, err = f.execute(ledger.KindRollback, v1)
	require.NoError(t, err)
	f.selects("1.0.0")
	d := f.deployment("web-v1-0-0")
	assert.NotEqual(t, before.UID, d.UID, "made anew")
	app := d.Spec.Template.Spec.Containers[0]
	assert.Equal(t, v1.Reference, app.Image)
	assert.Empty(t, app.Env, "the hand-made env var is gone")
	assert.Contains(t, f.progress.String(), `Deployment web-v1-0-0 was edited by hand (kubectl-set owns spec.template.spec.containers[name=app]`)
	assert.Contains(t, f.progress.String(), "making it anew from the record")
	assert.NotContains(t, f.progress.String(), "reusing Deployment web-v1-0-0")
}

// TestRollbackToStoppedEditedByHand: the same for a Deployment kept at
// zero, which an apply alone would scale up with the hand-made env var.
func TestRollbackToStoppedEditedByHand(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.BlueGreen, config.KeepStopped, 3)
	v1, v2 := f.release("1.0.0"), f.release("1.1.0")
	for _, rel := range []ledger.Release{v1, v2} {
		_, _, err := f.execute(ledger.KindPromote, rel)
		require.NoError(t, err)
	}
	patch := `{"spec":{"template":{"spec":{"containers":[{"name":"app","env":[{"name":"DEBUG","value":"1"}]}]}}}}`
	_, err := f.admin.Clientset.AppsV1().Deployments(f.ns).Patch(t.Context(), "web-v1-0-0", types.StrategicMergePatchType,
		[]byte(patch), metav1.PatchOptions{FieldManager: "kubectl-set"})
	require.NoError(t, err)

	f.fresh()
	_, _, err = f.execute(ledger.KindRollback, v1)
	require.NoError(t, err)
	f.selects("1.0.0")
	app := f.deployment("web-v1-0-0").Spec.Template.Spec.Containers[0]
	assert.Equal(t, v1.Reference, app.Image)
	assert.Empty(t, app.Env, "the hand-made env var is gone")
	assert.Contains(t, f.progress.String(), "making it anew from the record")
}
