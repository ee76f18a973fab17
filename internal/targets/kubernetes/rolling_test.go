package kubernetes_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/targets"
	"github.com/bakehq/bake/internal/targets/kubernetes"
)

// rollingSelected asserts that the Service selects the rolling
// Deployment, which runs version with every pod available.
func (f *fixture) rollingSelected(version string) {
	f.t.Helper()
	require.Equal(f.t, map[string]string(kubernetes.RollingSelector(f.project, env, image)), f.service().Spec.Selector)
	d := f.deployment(image)
	require.NotNil(f.t, d)
	require.Equal(f.t, version, d.Labels[kubernetes.LabelVersion])
	require.Equal(f.t, version, d.Spec.Template.Labels[kubernetes.LabelVersion])
	require.EqualValues(f.t, 2, d.Status.AvailableReplicas)
	require.EqualValues(f.t, 2, d.Status.UpdatedReplicas)
}

// TestRolling updates the one Deployment in place; a rollout that fails
// applies the template that ran before again.
func TestRolling(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.Rolling, config.KeepWarm, 3)
	v1, v2, v3 := f.release("1.0.0"), f.release("1.1.0"), f.release("1.2.0")
	_, _, err := f.execute(ledger.KindPromote, v1)
	require.NoError(t, err)
	f.rollingSelected("1.0.0")
	uid := f.deployment(image).UID

	f.fresh()
	_, calls, err := f.execute(ledger.KindPromote, v2)
	require.NoError(t, err)
	f.rollingSelected("1.1.0")
	assert.Equal(t, uid, f.deployment(image).UID, "updated in place")
	assert.Equal(t, v2.Reference, f.deployment(image).Spec.Template.Spec.Containers[0].Image)
	assert.Equal(t, []string{image}, f.deployments())
	t.Logf("API calls of a rolling promote: %s", formatCalls(calls))

	f.fresh()
	f.fate("unready")
	f.tgt().HealthTimeout = 5 * time.Second
	_, err = f.target.Deploy(t.Context(), f.request(v3))
	require.ErrorIs(t, err, targets.ErrUnhealthy)
	assert.Contains(t, err.Error(), "Unhealthy: Readiness probe failed")
	d := f.deployment(image)
	assert.Equal(t, "1.1.0", d.Spec.Template.Labels[kubernetes.LabelVersion], "the template before is back")
	assert.Equal(t, v2.Reference, d.Spec.Template.Spec.Containers[0].Image)
	assert.NotContains(t, d.Spec.Template.Labels, "bake-test/fate")
	require.Eventually(t, func() bool {
		d := f.deployment(image)
		return d.Status.ObservedGeneration >= d.Generation && d.Status.UpdatedReplicas == 2 && d.Status.AvailableReplicas == 2 && d.Status.Replicas == 2
	}, 20*time.Second, 200*time.Millisecond, "the controller rolls back to 1.1.0")
}

// TestSwitchingStrategy: a blue-green environment that turns rolling
// retires its per-release Deployments once the rolling one serves, and
// back.
func TestSwitchingStrategy(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.BlueGreen, config.KeepWarm, 3)
	_, _, err := f.execute(ledger.KindPromote, f.release("1.0.0"))
	require.NoError(t, err)
	f.tgt().Strategy = config.Rolling
	_, _, err = f.execute(ledger.KindPromote, f.release("1.1.0"))
	require.NoError(t, err)
	f.rollingSelected("1.1.0")
	assert.Equal(t, []string{image}, f.deployments())

	f.tgt().Strategy = config.BlueGreen
	_, _, err = f.execute(ledger.KindPromote, f.release("1.2.0"))
	require.NoError(t, err)
	f.selects("1.2.0")
	assert.Equal(t, []string{"web-v1-2-0"}, f.deployments())
}
