package kubernetes_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/targets/kubernetes"
)

// TestBlueGreenKeepWarm: the first promote creates the release's
// Deployment and the Service selecting it; the second switches the Service
// and keeps the first running; a rollback is one Service apply.
func TestBlueGreenKeepWarm(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.BlueGreen, config.KeepWarm, 3)
	v1, v2 := f.release("1.0.0"), f.release("1.1.0")
	_, calls, err := f.execute(ledger.KindPromote, v1)
	require.NoError(t, err)
	f.selects("1.0.0")
	t.Logf("API calls of a first promote: %s", formatCalls(calls))
	d := f.deployment("web-v1-0-0")
	assert.Equal(t, v1.Reference, d.Spec.Template.Spec.Containers[0].Image)
	assert.Equal(t, v1.Digest, d.Annotations[kubernetes.AnnotationDigest])
	assert.Equal(t, "/healthz", d.Spec.Template.Spec.Containers[0].ReadinessProbe.HTTPGet.Path)
	svc := f.service()
	assert.EqualValues(t, 80, svc.Spec.Ports[0].Port)
	assert.EqualValues(t, 8080, svc.Spec.Ports[0].TargetPort.IntValue())

	f.fresh()
	_, calls, err = f.execute(ledger.KindPromote, v2)
	require.NoError(t, err)
	f.selects("1.1.0")
	assert.Equal(t, 2, f.replicas("web-v1-0-0"), "1.0.0 is kept warm")
	t.Logf("API calls of a promote: %s", formatCalls(calls))

	f.fresh()
	_, calls, err = f.execute(ledger.KindRollback, v1)
	require.NoError(t, err)
	f.selects("1.0.0")
	assert.Equal(t, 1, calls["apply services"], "the switch")
	assert.Zero(t, calls["apply deployments"], "the warm Deployment serves as it is")
	assert.Zero(t, calls["patch deployments"])
	assert.Equal(t, 2, f.replicas("web-v1-1-0"), "1.1.0 is kept warm in turn")
	t.Logf("API calls of a warm rollback: %s", formatCalls(calls))
}

// TestBlueGreenKeepStopped: the replaced Deployment is scaled to zero; a
// rollback scales it back up, waits for it, then switches.
func TestBlueGreenKeepStopped(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.BlueGreen, config.KeepStopped, 3)
	v1, v2 := f.release("1.0.0"), f.release("1.1.0")
	_, _, err := f.execute(ledger.KindPromote, v1)
	require.NoError(t, err)
	_, _, err = f.execute(ledger.KindPromote, v2)
	require.NoError(t, err)
	f.selects("1.1.0")
	assert.Equal(t, 0, f.replicas("web-v1-0-0"), "1.0.0 is kept at zero")
	created := f.deployment("web-v1-0-0").UID

	f.fresh()
	_, calls, err := f.execute(ledger.KindRollback, v1)
	require.NoError(t, err)
	f.selects("1.0.0")
	assert.Equal(t, created, f.deployment("web-v1-0-0").UID, "the same Deployment serves again")
	assert.Equal(t, 0, f.replicas("web-v1-1-0"))
	t.Logf("API calls of a stopped rollback: %s", formatCalls(calls))
}

// TestBlueGreenKeepRemoved: the replaced Deployment is deleted; a rollback
// creates it again from the record.
func TestBlueGreenKeepRemoved(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.BlueGreen, config.KeepRemoved, 3)
	v1, v2 := f.release("1.0.0"), f.release("1.1.0")
	_, _, err := f.execute(ledger.KindPromote, v1)
	require.NoError(t, err)
	_, _, err = f.execute(ledger.KindPromote, v2)
	require.NoError(t, err)
	f.selects("1.1.0")
	assert.Equal(t, []string{"web-v1-1-0"}, f.deployments())

	_, _, err = f.execute(ledger.KindRollback, v1)
	require.NoError(t, err)
	f.selects("1.0.0")
	assert.Equal(t, []string{"web-v1-0-0"}, f.deployments())
	assert.Equal(t, v1.Reference, f.deployment("web-v1-0-0").Spec.Template.Spec.Containers[0].Image)
}

// TestRetention keeps the replaced Deployment and older ones, at zero, up
// to retention.releases besides the serving one, and deletes the rest.
func TestRetention(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.BlueGreen, config.KeepStopped, 2)
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0", "1.3.0"} {
		_, _, err := f.execute(ledger.KindPromote, f.release(v))
		require.NoError(t, err)
	}
	f.selects("1.3.0")
	assert.Equal(t, []string{"web-v1-1-0", "web-v1-2-0", "web-v1-3-0"}, f.deployments())
	assert.Equal(t, 0, f.replicas("web-v1-2-0"), "the replaced release, kept")
	assert.Equal(t, 0, f.replicas("web-v1-1-0"), "within retention")
}

// TestWarmWithChangedSettings: a warm Deployment whose pod template bake
// would now make differently (the target's pod patch changed) is applied
// again, not reused as it is.
func TestWarmWithChangedSettings(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.BlueGreen, config.KeepWarm, 3)
	v1, v2 := f.release("1.0.0"), f.release("1.1.0")
	for _, rel := range []ledger.Release{v1, v2} {
		_, _, err := f.execute(ledger.KindPromote, rel)
		require.NoError(t, err)
	}
	f.tgt().Kubernetes.Pod = config.PodPatch(`{"metadata":{"annotations":{"team":"shop"}}}`)
	_, calls, err := f.execute(ledger.KindRollback, v1)
	require.NoError(t, err)
	f.selects("1.0.0")
	assert.Equal(t, 1, calls["apply deployments"])
	assert.Equal(t, "shop", f.deployment("web-v1-0-0").Spec.Template.Annotations["team"])
}
