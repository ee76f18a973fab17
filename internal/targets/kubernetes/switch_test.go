package kubernetes_test

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/targets/kubernetes"
)

// TestRollbackToStoppedSwitchesOnceReady: a rollback to a release the
// promote just before scaled to zero switches the Service only when every
// pod of it is ready. The pods are counted as they were at the very
// revision of the Service's switch (a list at that exact resourceVersion),
// not some time after it.
func TestRollbackToStoppedSwitchesOnceReady(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.BlueGreen, config.KeepStopped, 3)
	a, b := f.release("1.0.0"), f.release("1.1.0")
	for _, rel := range []ledger.Release{a, b} {
		_, _, err := f.execute(ledger.KindPromote, rel)
		require.NoError(t, err)
	}
	require.Equal(t, 0, f.replicas("web-v1-0-0"))
	services := f.admin.Clientset.CoreV1().Services(f.ns)
	pods := f.admin.Clientset.CoreV1().Pods(f.ns)
	w, err := services.Watch(t.Context(), metav1.ListOptions{ResourceVersion: f.service().ResourceVersion,
		FieldSelector: fields.OneTermEqualSelector("metadata.name", image).String()})
	require.NoError(t, err)
	defer w.Stop()
	want := kubernetes.ServiceSelector(f.project, env, image, a.Version)
	switched := make(chan []string, 1)
	go func() {
		defer close(switched)
		for ev := range w.ResultChan() {
			svc, ok := ev.Object.(*corev1.Service)
			if !ok || ev.Type != watch.Modified || !maps.Equal(svc.Spec.Selector, want) {
				continue
			}
			list, err := pods.List(context.Background(), metav1.ListOptions{LabelSelector: want.String(),
				ResourceVersion: svc.ResourceVersion, ResourceVersionMatch: metav1.ResourceVersionMatchExact})
			if err != nil {
				t.Errorf("listing the pods of 1.0.0 at the switch: %v", err)
				return
			}
			var ready []string
			for _, p := range list.Items {
				for _, c := range p.Status.Conditions {
					if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue && p.DeletionTimestamp == nil {
						ready = append(ready, p.Name)
					}
				}
			}
			switched <- ready
			return
		}
	}()

	f.fresh()
	_, _, err = f.execute(ledger.KindRollback, a)
	require.NoError(t, err)
	w.Stop()
	ready, seen := <-switched
	require.True(t, seen, "the watch saw the switch")
	assert.Len(t, ready, 2, "every pod of 1.0.0 is ready when the Service selects it")
	// The pods ready at the switch are the Deployment's, not ones the
	// scale to zero before was taking away.
	list, err := pods.List(t.Context(), metav1.ListOptions{LabelSelector: want.String()})
	require.NoError(t, err)
	for _, p := range list.Items {
		t.Logf("pod %s created %s deleting %v", p.Name, p.CreationTimestamp, p.DeletionTimestamp)
		if slices.Contains(ready, p.Name) {
			assert.Nil(t, p.DeletionTimestamp, "pod %s, ready at the switch, is going away", p.Name)
		}
	}
	f.selects("1.0.0")
	assert.NotContains(t, f.progress.String(), "web-v1-0-0: 0 pod(s) available")
}
