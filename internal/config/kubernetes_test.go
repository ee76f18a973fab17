package config

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// kubeFile is minimalFile with its target replaced by a kubernetes one.
func kubeFile(t *testing.T, target string) string {
	return edit(t, canaryTarget, target)
}

func TestKubernetesTargetDefaults(t *testing.T) {
	p, err := Load(writeProject(t, kubeFile(t, "{type: kubernetes}")))
	require.NoError(t, err)
	tg := p.Environments[0].Targets["hello"]
	assert.Equal(t, TargetKubernetes, tg.Type)
	assert.Equal(t, 1, tg.Replicas)
	assert.Equal(t, BlueGreen, tg.Strategy)
	assert.Equal(t, DefaultHealthTimeout, tg.HealthTimeout)
	assert.Empty(t, tg.Listen)
	assert.Nil(t, tg.ASG)
	assert.Equal(t, &Kubernetes{Namespace: "demo-dev", Service: "hello", ServicePort: 80, Port: 8080}, tg.Kubernetes)
}

func TestKubernetesTargetNeedsNoHTTPCheck(t *testing.T) {
	content := edit(t, "    checks:\n      - name: healthz\n        http: {path: /healthz}\n", "")
	content = editOf(t, content, canaryTarget, "{type: kubernetes}")
	_, err := Load(writeProject(t, content))
	require.NoError(t, err)
}

const kubeComplete = `project: demo
images:
  hello:
    template: templates/docker/go-service
    checks:
      - name: healthz
        http: {path: /healthz, port: 9090}
environments:
  - name: qa
    targets:
      hello:
        type: kubernetes
        replicas: 3
  - name: prod
    targets:
      hello:
        type: kubernetes
        kubeconfig: ~/.kube/prod
        context: prod-cluster
        namespace: shop-prod
        service: web
        service_port: 8000
        port: 9090
        replicas: 2
        health_timeout: 90s
        watch: 30s
        strategy: canary
        steps: [{weight: 25, pause: 1m}]
        analysis:
          interval: 10s
          prometheus: http://127.0.0.1:9090
          queries: [{name: errors, query: 'sum(rate(errors{version="{{ .Version }}"}[1m]))', max: 0.5}]
        resources:
          requests: {cpu: 100m, memory: 64Mi, ephemeral-storage: 1Gi}
          limits: {cpu: 1, memory: 128Mi}
        pod:
          metadata: {labels: {team: shop}, annotations: {note: hi}}
          spec:
            serviceAccountName: web
            terminationGracePeriodSeconds: 20
            containers:
              - name: app
                env: [{name: MODE, value: prod}]
                resources: {limits: {cpu: 500m}}
                readinessProbe: {httpGet: {path: /ready, port: 9090}}
              - {name: sidecar, image: "127.0.0.1:5000/proxy@sha256:0000000000000000000000000000000000000000000000000000000000000000"}
`

func TestKubernetesTargetAsWritten(t *testing.T) {
	content := editOf(t, kubeComplete, "    template: templates/docker/go-service\n", "    template: templates/docker/go-service\n    port: 8080\n")
	p, err := Load(writeProject(t, content))
	require.NoError(t, err)

	qa := p.Environments[0].Targets["hello"]
	assert.Equal(t, &Kubernetes{Namespace: "demo-qa", Service: "hello", ServicePort: 80, Port: 8080}, qa.Kubernetes)

	tg := p.Environments[1].Targets["hello"]
	assert.Equal(t, 2, tg.Replicas)
	assert.Equal(t, 90*time.Second, tg.HealthTimeout)
	assert.Equal(t, 30*time.Second, tg.Watch)
	assert.Equal(t, Canary, tg.Strategy)
	assert.Equal(t, []CanaryStep{{Weight: 25, Pause: time.Minute}}, tg.Steps)
	require.NotNil(t, tg.Analysis)
	assert.Equal(t, 10*time.Second, tg.Analysis.Interval)
	assert.Equal(t, "http://127.0.0.1:9090", tg.Analysis.Prometheus)
	assert.Len(t, tg.Analysis.Queries, 1)
	assert.Zero(t, tg.Analysis.MinRequests, "nothing counts a kubernetes canary's requests")
	assert.Zero(t, tg.Analysis.MaxErrorRateIncrease)

	k := tg.Kubernetes
	require.NotNil(t, k)
	assert.Equal(t, "~/.kube/prod", k.Kubeconfig, "kept as written: kubex expands ~/ when it opens it")
	assert.Equal(t, "prod-cluster", k.Context)
	assert.Equal(t, "shop-prod", k.Namespace)
	assert.Equal(t, "web", k.Service)
	assert.Equal(t, 8000, k.ServicePort)
	assert.Equal(t, 9090, k.Port)
	assert.Equal(t, &KubernetesResources{
		Requests: map[string]string{"cpu": "100m", "memory": "64Mi", "ephemeral-storage": "1Gi"},
		Limits:   map[string]string{"cpu": "1", "memory": "128Mi"},
	}, k.Resources)

	var pod map[string]any
	require.NoError(t, json.Unmarshal(k.Pod, &pod), "the patch is kept as JSON")
	assert.Equal(t, map[string]any{"labels": map[string]any{"team": "shop"}, "annotations": map[string]any{"note": "hi"}}, pod["metadata"])
	spec := pod["spec"].(map[string]any)
	assert.Equal(t, "web", spec["serviceAccountName"])
	assert.EqualValues(t, 20, spec["terminationGracePeriodSeconds"])
	assert.Len(t, spec["containers"], 2)
	assert.NotContains(t, string(k.Pod), "creationTimestamp", "only what bake.yaml says: nothing a decode would add")
}

func TestKubernetesTargetPortFromTheTarget(t *testing.T) {
	path := writeProject(t, kubeComplete)
	_, err := Load(path)
	require.Error(t, err, "qa has no port and the image none")
	assert.Equal(t, path+`:11:7: environments[0].targets.hello.port: required: set port: or the image's port (images.hello.port)`, err.Error())

	content := editOf(t, kubeComplete, "        replicas: 3\n", "        replicas: 3\n        port: 7000\n")
	p, err := Load(writeProject(t, content))
	require.NoError(t, err)
	assert.Equal(t, 7000, p.Environments[0].Targets["hello"].Kubernetes.Port)
}

func TestWhenHoldsAlternatives(t *testing.T) {
	assert.True(t, whenHolds("type:docker|kubernetes", "type:kubernetes"))
	assert.True(t, whenHolds("type:docker|kubernetes", "type:docker"))
	assert.False(t, whenHolds("type:docker|kubernetes", "type:asg"))
	assert.True(t, whenHolds("type:docker", "strategy:canary"))
	assert.True(t, whenHolds("", "type:asg"))
	assert.Equal(t, []string{"type", "replicas", "health_timeout", "strategy", "steps", "analysis", "watch",
		"kubeconfig", "context", "namespace", "service", "service_port", "port", "resources", "pod"},
		fileKeys[Target]("type:kubernetes"))
}
