package kubernetes_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/targets"
	"github.com/bakehq/bake/internal/targets/kubernetes"
)

// TestServiceBakeDidNotCreate: a Service of the target's name that the
// team made is refused before anything is recorded or changed, and status
// says it is not bake's rather than naming its selector as drift.
func TestServiceBakeDidNotCreate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.BlueGreen, config.KeepWarm, 3)
	ctx := t.Context()
	cs := f.admin.Clientset
	_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: f.ns}}, metav1.CreateOptions{})
	require.NoError(t, err)
	theirs := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: image, Namespace: f.ns},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "theirs"},
			Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(9000)}}}}
	_, err = cs.CoreV1().Services(f.ns).Create(ctx, theirs, metav1.CreateOptions{})
	require.NoError(t, err)

	rel := f.release("0.1.0")
	err = f.target.Check(ctx, f.request(rel))
	require.Error(t, err)
	assert.Equal(t, "Service "+f.ns+"/web exists and bake did not create it (no bake.dev/project label): set service: of web in \"prod\" to another name, or delete it; nothing changed", err.Error())

	_, _, err = f.execute(ledger.KindPromote, rel)
	require.Error(t, err)
	assert.ErrorIs(t, err, promote.ErrUnknown, "bad input: exit 2")
	assert.NotErrorIs(t, err, targets.ErrUnreachable)
	_, err = f.store.Current(ctx, image, env)
	assert.ErrorIs(t, err, ledger.ErrNotFound, "nothing recorded")
	svc := f.service()
	assert.Equal(t, map[string]string{"app": "theirs"}, svc.Spec.Selector, "their selector is untouched")
	assert.Equal(t, 9000, svc.Spec.Ports[0].TargetPort.IntValue())
	assert.Empty(t, f.deployments(), "no Deployment was applied")

	st, err := f.target.Observe(ctx, targets.Observation{Env: env, Image: image, Target: f.tgt(), Keep: config.KeepWarm})
	require.NoError(t, err)
	require.Len(t, st.Drift, 1, "%q", st.Drift)
	assert.Equal(t, "service web in namespace "+f.ns+" bake did not create it (no bake.dev/project label): bake does not deploy through it", st.Drift[0])
}

// TestNamespaceOfAnotherProject: a namespace another bake project labelled
// is refused, its label left as it is; one the team made without bake's
// label is used.
func TestNamespaceOfAnotherProject(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.BlueGreen, config.KeepWarm, 3)
	ctx := t.Context()
	cs := f.admin.Clientset
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: f.ns, Labels: map[string]string{kubernetes.LabelProject: "other"}}}
	_, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
	require.NoError(t, err)

	rel := f.release("0.1.0")
	_, _, err = f.execute(ledger.KindPromote, rel)
	require.Error(t, err)
	assert.ErrorIs(t, err, promote.ErrUnknown, "bad input: exit 2")
	assert.Contains(t, err.Error(), "namespace "+f.ns+` belongs to the bake project "other" (label bake.dev/project=other), not to "`+f.project+`"`)
	_, err = f.store.Current(ctx, image, env)
	assert.ErrorIs(t, err, ledger.ErrNotFound, "nothing recorded")
	live, err := cs.CoreV1().Namespaces().Get(ctx, f.ns, metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, "other", live.Labels[kubernetes.LabelProject])
	assert.Empty(t, f.deployments())
	assert.Nil(t, f.service())

	// The team's namespace, without bake's label, is bake's to use.
	delete(live.Labels, kubernetes.LabelProject)
	_, err = cs.CoreV1().Namespaces().Update(ctx, live, metav1.UpdateOptions{})
	require.NoError(t, err)
	f.fresh()
	_, _, err = f.execute(ledger.KindPromote, rel)
	require.NoError(t, err)
	f.selects("0.1.0")
}
