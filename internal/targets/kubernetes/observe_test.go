package kubernetes

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/targets"
)

func TestObserveFreshNamespace(t *testing.T) {
	s := newScene(t)
	st := s.observe("", "")
	assert.Empty(t, st.Replicas)
	assert.Empty(t, st.Drift)
	assert.Empty(t, st.Lines)

	st = s.observe("1.2.0", "")
	assert.Contains(t, st.Drift, fmt.Sprintf("the record says 1.2.0 runs, but its deployment web-v1-2-0 does not exist in namespace %s", s.namespace))
	assert.Contains(t, st.Drift, fmt.Sprintf("the record says 1.2.0 runs, but service web does not exist in namespace %s", s.namespace))
}

func TestObserveAndDrift(t *testing.T) {
	s := newScene(t)
	s.deploy("1.1.0", "op-a", 2)
	s.deploy("1.2.0", "op-b", 2)
	s.point("1.2.0")

	st := s.observe("1.2.0", "1.1.0")
	assert.Empty(t, st.Drift, "a warm previous release is no drift")
	assert.Equal(t, []string{
		"deployment web-v1-1-0 (1.1.0): 2/2 ready, kept warm",
		"deployment web-v1-2-0 (1.2.0): 2/2 ready",
		"service web selects 1.2.0",
	}, st.Lines)
	require.Len(t, st.Replicas, 4)
	for _, r := range st.Replicas {
		assert.True(t, r.Running, r.Name)
		assert.Equal(t, s.release(r.Version).Digest, r.Digest, r.Name)
		assert.Contains(t, r.Name, DeploymentName("web", r.Version)+"-")
	}
	doc, err := json.Marshal(st.Detail)
	require.NoError(t, err)
	assert.Contains(t, string(doc), `"selects":"1.2.0"`)
	assert.Contains(t, string(doc), `"name":"web-v1-2-0","version":"1.2.0"`)

	live, err := s.target.Inspect(s.ctx, s.request("1.2.0"))
	require.NoError(t, err)
	assert.True(t, live.ServesOnly(s.release("1.2.0").Digest, 2), live.String())
	assert.Equal(t, "service web sends traffic to 2 replica(s) of 1.2.0; replicas running: 2 of 1.1.0, 2 of 1.2.0", live.String())

	t.Run("service selecting another version", func(t *testing.T) {
		s.point("1.1.0")
		st := s.observe("1.2.0", "1.1.0")
		assert.Equal(t, []string{"service web selects 1.1.0, but the record says 1.2.0 runs"}, st.Drift)
		s.point("1.2.0")
	})

	t.Run("hand edit of the selector", func(t *testing.T) {
		patch := fmt.Sprintf(`{"spec":{"selector":{%q:"1.1.0"}}}`, LabelVersion)
		_, err := s.cs.CoreV1().Services(s.namespace).Patch(s.ctx, "web", types.StrategicMergePatchType, []byte(patch),
			metav1.PatchOptions{FieldManager: "kubectl-patch"})
		require.NoError(t, err)
		st := s.observe("1.2.0", "1.1.0")
		assert.Contains(t, st.Drift, "service web selects 1.1.0, but the record says 1.2.0 runs")
		assert.Contains(t, st.Drift, `service web: "kubectl-patch" owns spec.selector (edited by hand; the next promote or rollback takes it back)`)

		// bake's next apply, forced, takes the selector back.
		s.point("1.2.0")
		assert.Empty(t, s.observe("1.2.0", "1.1.0").Drift)
		for _, e := range s.service().ManagedFields {
			assert.NotEqual(t, "kubectl-patch", e.Manager, "the hand edit's manager owns nothing any more")
		}
	})

	t.Run("image differing from the record", func(t *testing.T) {
		patch := fmt.Sprintf(`{"spec":{"template":{"spec":{"containers":[{"name":%q,"image":"127.0.0.1:5000/web:latest"}]}}}}`, ContainerName)
		_, err := s.cs.AppsV1().Deployments(s.namespace).Patch(s.ctx, "web-v1-2-0", types.StrategicMergePatchType, []byte(patch),
			metav1.PatchOptions{FieldManager: "kubectl-set"})
		require.NoError(t, err)
		s.waitSettled("web-v1-2-0", 2)
		st := s.observe("1.2.0", "1.1.0")
		assert.Contains(t, st.Drift, fmt.Sprintf("deployment web-v1-2-0 runs image 127.0.0.1:5000/web:latest, but the record says %s", s.release("1.2.0").Digest))
		assert.Contains(t, st.Drift, `deployment web-v1-2-0: "kubectl-set" owns spec.template.spec.containers[name=app].image (edited by hand; bake takes it back when it next applies it)`)
	})

	t.Run("deleted deployment", func(t *testing.T) {
		require.NoError(t, s.cs.AppsV1().Deployments(s.namespace).Delete(s.ctx, "web-v1-2-0", metav1.DeleteOptions{}))
		st := s.observe("1.2.0", "1.1.0")
		assert.Contains(t, st.Drift, fmt.Sprintf("the record says 1.2.0 runs, but its deployment web-v1-2-0 does not exist in namespace %s", s.namespace))
		assert.Contains(t, st.Lines, "service web selects 1.2.0")
	})
}

// A Deployment the record does not explain, neither the release it says
// runs nor the replaced one kept warm, is one a killed run left behind.
func TestObserveNamesWhatAKilledRunLeft(t *testing.T) {
	s := newScene(t)
	s.deploy("1.1.0", "op-a", 1)
	s.deploy("1.2.0", "op-b", 1)
	s.deploy("1.3.0", "op-killed", 1)
	s.point("1.2.0")

	lines := s.observe("1.2.0", "1.1.0").Lines
	assert.Contains(t, lines, "deployment web-v1-1-0 (1.1.0): 1/1 ready, kept warm")
	assert.Contains(t, lines, "deployment web-v1-3-0 (1.3.0): 1/1 ready, left by run op-killed, which did not finish (interrupted, or still under way): bake recover or bake sweep --kubernetes removes it")
	for _, l := range lines {
		assert.NotContains(t, l, "1.3.0): 1/1 ready, kept warm")
	}

	// With nothing recorded, every Deployment out of traffic was left by a run.
	assert.True(t, anyContains(s.observe("", "").Lines, "web-v1-1-0", "left by run op-a"))
}

// During a canary the Service selects the pods of two releases: status
// names them, the canary as such, not the selector's labels.
func TestObserveSaysWhatACanarySharesInWords(t *testing.T) {
	s := newScene(t)
	s.deploy("1.2.0", "op-a", 2)
	s.deploy("1.3.0", "op-b", 1)
	req := s.request("1.3.0")
	svc := s.target.serviceFor(req, s.target.sharedSelector(req)).WithAnnotations(map[string]string{AnnotationBaseline: "1.2.0"})
	_, err := s.cs.CoreV1().Services(s.namespace).Apply(s.ctx, svc, applyOptions)
	require.NoError(t, err)

	o := targets.Observation{Env: "prod", Image: "web", Target: s.tgt, Version: "1.2.0", Digest: s.release("1.2.0").Digest,
		Keep: config.KeepWarm, Canary: s.release("1.3.0").Digest}
	st, err := s.target.Observe(s.ctx, o)
	require.NoError(t, err)
	assert.Contains(t, st.Lines, "service web selects 1.2.0 and 1.3.0 (canary)")
	for _, l := range st.Lines {
		assert.NotContains(t, l, "bake.dev/", "no labels in what status says")
	}
	assert.Empty(t, st.Drift, "a canary under way is no drift")
}
