package kubernetes

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// A hand edit of the Service that sets fields bake does not set (session
// affinity, another port) is drift, and the next switch takes it back: the
// fields go, and no manager but bake owns anything under spec.
func TestSwitchTakesBackHandEdits(t *testing.T) {
	s := newScene(t)
	s.tgt.Replicas = 1
	s.deploy("1.1.0", "op-a", 1)
	require.NoError(t, s.target.switchTo(s.ctx, s.cl(), s.request("1.1.0"), ServiceSelector(s.project, "prod", "web", "1.1.0")))
	patch := `{"spec":{"sessionAffinity":"ClientIP","ports":[{"name":"debug","port":9000,"protocol":"TCP"}]}}`
	_, err := s.cs.CoreV1().Services(s.namespace).Patch(s.ctx, "web", types.StrategicMergePatchType, []byte(patch),
		metav1.PatchOptions{FieldManager: "kubectl-patch"})
	require.NoError(t, err)
	st := s.observe("1.1.0", "")
	require.Len(t, st.Drift, 1, "%v", st.Drift)
	assert.Equal(t, `service web: "kubectl-patch" owns spec.sessionAffinity, spec.ports[port=9000,protocol=TCP], `+
		`spec.sessionAffinityConfig.clientIP.timeoutSeconds (edited by hand; the next promote or rollback takes it back)`, st.Drift[0])

	s.deploy("1.2.0", "op-b", 1)
	require.NoError(t, s.target.switchTo(s.ctx, s.cl(), s.request("1.2.0"), ServiceSelector(s.project, "prod", "web", "1.2.0")))
	svc := s.service()
	assert.Equal(t, corev1.ServiceAffinityNone, svc.Spec.SessionAffinity)
	require.Len(t, svc.Spec.Ports, 1)
	assert.Equal(t, "http", svc.Spec.Ports[0].Name)
	assert.Empty(t, s.observe("1.2.0", "1.1.0").Drift)
	for _, e := range svc.ManagedFields {
		assert.NotEqual(t, "kubectl-patch", e.Manager)
	}
}
