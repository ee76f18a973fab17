package kubernetes

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/targets"
)

func objectsRequest(pod string) targets.Request {
	img := &config.Image{Name: "web", Port: 8080, Checks: []config.Check{{Name: "up", HTTP: &config.HTTPCheck{Path: "/healthz"}}}}
	tgt := &config.Target{Type: config.TargetKubernetes, Replicas: 2, Kubernetes: &config.Kubernetes{
		Pod:       config.PodPatch(pod),
		Resources: &config.KubernetesResources{Requests: map[string]string{"cpu": "100m"}},
	}}
	return targets.Request{Env: "prod", Image: img, Target: tgt,
		Release: ledger.Release{Image: "web", Version: "1.2.0", Digest: "sha256:abc", Reference: "reg/web@sha256:abc"}}
}

// TestPodPatchMergesUnderBake: the user's patch adds env, a sidecar and
// annotations to the app container by name, and may not change the image
// nor bake's labels.
func TestPodPatchMergesUnderBake(t *testing.T) {
	tg := &Target{project: "shop", operation: "op1"}
	req := objectsRequest(`{"metadata":{"annotations":{"team":"shop"},"labels":{"bake.dev/version":"9.9.9","tier":"front"}},
		"spec":{"serviceAccountName":"web","containers":[{"name":"app","image":"evil","env":[{"name":"MODE","value":"prod"}]},{"name":"proxy","image":"envoy"}]}}`)
	d, err := tg.deploymentFor(req, nil)
	require.NoError(t, err)
	assert.Equal(t, "web-v1-2-0", *d.Name)
	assert.Equal(t, "shop-prod", *d.Namespace)
	assert.Equal(t, "op1", d.Labels[LabelOperation])
	tpl := d.Spec.Template
	assert.Equal(t, "1.2.0", tpl.Labels[LabelVersion], "bake's label wins")
	assert.Equal(t, "front", tpl.Labels["tier"])
	assert.Equal(t, "shop", tpl.Annotations["team"])
	assert.Equal(t, "web", *tpl.Spec.ServiceAccountName)
	require.Len(t, tpl.Spec.Containers, 2)
	app := tpl.Spec.Containers[0]
	assert.Equal(t, "reg/web@sha256:abc", *app.Image, "bake's image wins")
	assert.Equal(t, "MODE", *app.Env[0].Name)
	assert.Equal(t, "/healthz", *app.ReadinessProbe.HTTPGet.Path)
	assert.EqualValues(t, 8080, *app.Ports[0].ContainerPort)
	cpu := (*app.Resources.Requests)["cpu"]
	assert.Equal(t, "100m", cpu.String())
	assert.Equal(t, map[string]string(ServiceSelector("shop", "prod", "web", "1.2.0")), d.Spec.Selector.MatchLabels)
}

// TestPodPatchOfSpecOnly: a patch naming neither metadata nor spec is the
// pod spec's.
func TestPodPatchOfSpecOnly(t *testing.T) {
	tg := &Target{project: "shop"}
	d, err := tg.rollingFor(objectsRequest(`{"nodeSelector":{"disk":"ssd"}}`), nil)
	require.NoError(t, err)
	assert.Equal(t, "web", *d.Name)
	assert.Equal(t, map[string]string{"disk": "ssd"}, d.Spec.Template.Spec.NodeSelector)
	assert.Equal(t, "sha256:abc", d.Spec.Template.Annotations[AnnotationDigest])
	assert.Equal(t, "0", d.Spec.Strategy.RollingUpdate.MaxUnavailable.String())
}

// TestPodPatchReadinessProbeReplacesBakes: a readiness probe of the app
// container in the patch is the user's whole; bake's httpGet is not merged
// into it. One on another container leaves bake's alone.
func TestPodPatchReadinessProbeReplacesBakes(t *testing.T) {
	tg := &Target{project: "shop"}
	d, err := tg.deploymentFor(objectsRequest(`{"containers":[{"name":"app","readinessProbe":{"tcpSocket":{"port":8080},"periodSeconds":5}}]}`), nil)
	require.NoError(t, err)
	p := d.Spec.Template.Spec.Containers[0].ReadinessProbe
	assert.Nil(t, p.HTTPGet)
	assert.EqualValues(t, 8080, p.TCPSocket.Port.IntValue())
	assert.EqualValues(t, 5, *p.PeriodSeconds)
	assert.Nil(t, p.FailureThreshold, "nothing of bake's probe is left")

	d, err = tg.deploymentFor(objectsRequest(`{"containers":[{"name":"proxy","image":"envoy","readinessProbe":{"exec":{"command":["true"]}}}]}`), nil)
	require.NoError(t, err)
	for _, c := range d.Spec.Template.Spec.Containers {
		if *c.Name == ContainerName {
			assert.Equal(t, "/healthz", *c.ReadinessProbe.HTTPGet.Path)
		}
	}
}
