package config

import "testing"

// TestLoadRejectsInvalidKubernetesTargets covers type: kubernetes: each
// mistake is one line at its place.
func TestLoadRejectsInvalidKubernetesTargets(t *testing.T) {
	kube := func(rest string) func(t *testing.T) string {
		return func(t *testing.T) string { return kubeFile(t, "{type: kubernetes"+rest+"}") }
	}
	const at = "environments[0].targets.hello."
	runInvalid(t, []invalidCase{
		{name: "misspelt type", content: func(t *testing.T) string { return kubeFile(t, "{type: kubernets, namespace: shop}") },
			position: "12:21", message: `environments[0].targets.hello.type: unknown target type "kubernets"; did you mean "kubernetes"?`},
		{name: "listen", content: kube(", listen: 127.0.0.1:8101"), position: "12:33",
			message: at + `listen: a kubernetes target has no front door: traffic goes through its Service (service, service_port); remove listen`},
		{name: "min_healthy", content: kube(", strategy: rolling, min_healthy: 1"), position: "12:52",
			message: at + `min_healthy: only applies to docker targets; a kubernetes rolling update takes no ready replica away before its replacement is ready: remove min_healthy`},
		{name: "asg key", content: kube(", target_groups: [x]"), position: "12:33",
			message: at + `target_groups: unknown key; expected one of: type, replicas, health_timeout, strategy, steps, analysis, watch, kubeconfig, context, namespace, service, service_port, port, resources, pod`},
		{name: "empty kubeconfig", content: kube(`, kubeconfig: ""`), position: "12:45",
			message: at + `kubeconfig: must not be empty: leave kubeconfig out for the usual KUBECONFIG chain (else ~/.kube/config)`},
		{name: "namespace not a DNS label", content: kube(", namespace: Shop_Prod"), position: "12:44",
			message: at + `namespace: "Shop_Prod" is not a valid namespace name: lowercase letters, digits and hyphens, starting and ending with a letter or digit, at most 63`},
		{name: "service starting with a digit", content: kube(", service: 9web"), position: "12:42",
			message: at + `service: "9web" is not a valid service name: lowercase letters, digits and hyphens, starting with a letter and ending with a letter or digit, at most 63`},
		{name: "default service starting with a digit", content: func(t *testing.T) string {
			content := edit(t, "environments:\n", "  9a:\n    template: templates/docker/go-service\n    context: images/a\n    port: 8080\nenvironments:\n")
			return editOf(t, content, "      hello: {listen: 127.0.0.1:8101}", "      9a: {type: kubernetes}")
		}, position: "16:7",
			message: `environments[0].targets.9a.service: the default service "9a" is not a valid service name (lowercase letters, digits and hyphens, starting with a letter and ending with a letter or digit, at most 63): set service:`},
		{name: "two images behind one service in two environments", content: func(t *testing.T) string {
			content := edit(t, "environments:\n", "  a:\n    template: templates/docker/go-service\n    port: 8080\nenvironments:\n")
			return editOf(t, content, canaryTarget, "{type: kubernetes, namespace: shop}\n  - name: prod\n    targets:\n      a: {type: kubernetes, namespace: shop, service: hello}")
		}, position: "18:55", message: `environments[1].targets.a.service: hello in dev and a in prod would share service hello in namespace shop: set service:`},
		{name: "service port 0", content: kube(", service_port: 0"), position: "12:47",
			message: at + `service_port: must be between 1 and 65535, got 0`},
		{name: "port too high", content: kube(", port: 70000"), position: "12:39",
			message: at + `port: must be between 1 and 65535, got 70000`},
		{name: "misspelt resources key", content: kube(", resources: {limit: {cpu: 1}}"), position: "12:45",
			message: at + `resources.limit: unknown key; did you mean "limits"?`},
		{name: "unknown resource", content: kube(", resources: {requests: {cpus: 1}}"), position: "12:56",
			message: at + `resources.requests.cpus: unknown resource "cpus"; did you mean "cpu"?`},
		{name: "not a quantity", content: kube(", resources: {requests: {memory: lots}}"), position: "12:64",
			message: at + `resources.requests.memory: "lots" is not a quantity such as "100m", "0.5" or "64Mi"`},
		{name: "negative quantity", content: kube(", resources: {requests: {cpu: -1}}"), position: "12:61",
			message: at + `resources.requests.cpu: must not be negative, got -1`},
		{name: "limit below request", content: kube(", resources: {requests: {memory: 128Mi}, limits: {memory: 64Mi}}"), position: "12:89",
			message: at + `resources.limits.memory: 64Mi is below requests.memory 128Mi: a limit is at least the request`},
		{name: "pod not a mapping", content: kube(", pod: [x]"), position: "12:38",
			message: at + `pod: expected the pod template's metadata and spec as a mapping, got a list`},
		{name: "misspelt pod field", content: kube(", pod: {spec: {serviceAcountName: web}}"), position: "12:46",
			message: at + `pod.spec.serviceAcountName: unknown field; did you mean "serviceAccountName"?`},
		{name: "misspelt container field", content: kube(", pod: {spec: {containers: [{name: app, imagePullPolcy: Always}]}}"), position: "12:71",
			message: at + `pod.spec.containers[0].imagePullPolcy: unknown field; did you mean "imagePullPolicy"?`},
		{name: "spec field at the top", content: kube(", pod: {serviceAccountName: web}"), position: "12:39",
			message: at + `pod.serviceAccountName: unknown field; pod: holds the pod template's metadata and spec: put serviceAccountName under spec:`},
		{name: "unknown pod field", content: kube(", pod: {spec: {sidecars: []}}"), position: "12:46",
			message: at + `pod.spec.sidecars: unknown field of a Kubernetes PodSpec; expected one of: `},
		{name: "env value as a number", content: kube(", pod: {spec: {containers: [{name: app, env: [{name: PORT, value: 8080}]}]}}"), position: "12:97",
			message: at + `pod.spec.containers[0].env[0].value: expected a string, got 8080: write it as "8080"`},
		{name: "app image", content: kube(", pod: {spec: {containers: [{name: app, image: 'busybox'}]}}"), position: "12:71",
			message: at + `pod.spec.containers[0].image: the app container's image is the release's, by digest: remove image`},
		{name: "container without a name", content: kube(", pod: {spec: {containers: [{env: [{name: A, value: b}]}]}}"), position: "12:59",
			message: at + `pod.spec.containers[0]: set name: the patch merges containers by name (app is the release's)`},
		{name: "bake label", content: kube(", pod: {metadata: {labels: {bake.dev/version: x}}}"), position: "12:59",
			message: at + `pod.metadata.labels.bake.dev/version: bake.dev/labels are bake's own: remove it`},
		{name: "canary without analysis", content: kube(", strategy: canary, steps: [{weight: 10, pause: 1m}]"), position: "12:43",
			message: at + `analysis: required with strategy canary: kubernetes targets have no front door to measure; judge the canary with analysis.prometheus queries`},
		{name: "canary without prometheus", content: kube(", strategy: canary, steps: [{weight: 10, pause: 1m}], analysis: {interval: 5s}"), position: "12:85",
			message: at + `analysis.prometheus: required: kubernetes targets have no front door to measure; judge the canary with analysis.prometheus queries`},
		{name: "canary judged by error rate", content: kube(`, strategy: canary, steps: [{weight: 10, pause: 1m}], analysis: {max_error_rate_increase: 1%, prometheus: "http://127.0.0.1:9090", queries: [{name: e, query: up, max: 1}]}`), position: "12:96",
			message: at + `analysis.max_error_rate_increase: kubernetes targets have no front door to measure; judge the canary with analysis.prometheus queries`},
		{name: "two environments in one namespace", content: func(t *testing.T) string {
			return kubeFile(t, "{type: kubernetes, namespace: shop}\n  - name: prod\n    targets:\n      hello: {type: kubernetes, namespace: shop}")
		}, position: "15:44", message: `environments[1].targets.hello.namespace: environments dev and prod would share namespace shop for hello: set namespace:`},
		{name: "two images behind one service", content: func(t *testing.T) string {
			content := edit(t, "environments:\n", "  a:\n    template: templates/docker/go-service\n    port: 8080\nenvironments:\n")
			return editOf(t, content, canaryTarget, "{type: kubernetes, service: web}\n      a: {type: kubernetes, service: web}")
		}, position: "16:38", message: `environments[0].targets.a.service: images hello and a would share service web in namespace demo-dev: set service:`},
	})
}
