package kubernetes_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/targets"
	"github.com/bakehq/bake/internal/targets/kubernetes"
)

// TestWatch: healthy pods pass the watch with two calls; a container that
// starts restarting after the switch fails it.
func TestWatch(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.BlueGreen, config.KeepWarm, 3)
	req := f.request(f.release("1.0.0"))
	replicas, err := f.target.Deploy(t.Context(), req)
	require.NoError(t, err)
	require.Len(t, replicas, 2)

	before := f.calls.ByOperation()
	require.NoError(t, f.target.Watch(t.Context(), req, replicas, 2*time.Second))
	calls := since(before, f.calls.ByOperation())
	assert.Equal(t, map[string]int{"list pods": 1, "watch pods": 1}, calls)

	// kwok restarts the containers of a running pod labelled crashloop.
	done := make(chan error, 1)
	go func() { done <- f.target.Watch(t.Context(), req, replicas, 30*time.Second) }()
	time.Sleep(500 * time.Millisecond)
	pods, err := f.admin.Clientset.CoreV1().Pods(f.ns).List(t.Context(), metav1.ListOptions{
		LabelSelector: kubernetes.ServiceSelector(f.project, env, image, "1.0.0").String()})
	require.NoError(t, err)
	require.NotEmpty(t, pods.Items)
	victim := pods.Items[0].Name
	_, err = f.admin.Clientset.CoreV1().Pods(f.ns).Patch(context.Background(), victim, types.MergePatchType,
		[]byte(`{"metadata":{"labels":{"bake-test/fate":"crashloop"}}}`), metav1.PatchOptions{})
	require.NoError(t, err)
	select {
	case err := <-done:
		require.ErrorIs(t, err, targets.ErrUnhealthy)
		assert.Contains(t, err.Error(), "container app of pod "+victim+" restarted")
		t.Log(err)
	case <-time.After(25 * time.Second):
		t.Fatal("the watch did not see the restart")
	}
}
