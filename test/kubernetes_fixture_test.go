package e2e

// The kubernetes tests drive the built binary against a real API server,
// controller manager and scheduler (scripts/kube/kube.sh) whose two nodes
// are kwok's. kwok plays the kubelet: it marks scheduled pods Running and
// Ready (or, for pods labelled bake-test/fate, never ready or
// crash-looping, with the warning events a kubelet records), and no
// container ever runs in the cluster. So these tests prove the API
// choreography (the objects bake applies, by digest, under its field
// manager), the real controllers and scheduler acting on them, readiness
// as the API reports it, Service selectors, rollouts and rollbacks, and
// what bake records and reports about all of it. They cannot prove what a
// container does once it runs: the image's own behaviour is proven by the
// release's checks in bake's sandbox, and pod IPs, which kwok makes up,
// are never contacted.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"

	"github.com/bakehq/bake/internal/kubex"
	"github.com/bakehq/bake/internal/servicestest"
	kube "github.com/bakehq/bake/internal/targets/kubernetes"
)

// kubeImage is the image every kubernetes test project releases: the svc
// fixture (FROM scratch), which runs only in bake's sandbox for the
// release's checks; in the cluster kwok fakes its pods.
const kubeImage = "svc"

// kubeConfigTemplate renders a kubernetes test project's bake.yaml: two
// environments, dev and prod, each in a namespace of its own.
var kubeConfigTemplate = template.Must(template.New("bake.yaml").Parse(`project: {{ .Name }}
registry: 127.0.0.1:5000
ledger: ledger.db
images:
  svc:
    template: templates/svc
    context: images/svc
    port: 8080
    vars: {healthy_until: "0", healthy_after: "0"}
    checks:
      - name: healthz
        http: {path: /healthz, status: 200, timeout: 10s}
environments:
{{- range .Envs }}
  - name: {{ . }}
{{- with index $.Retention . }}
    retention: {{ . }}
{{- end }}
    targets:
      svc: {type: kubernetes, kubeconfig: "{{ $.Kubeconfig }}", context: {{ $.Context }}, namespace: {{ index $.Namespaces . }}, replicas: 2, health_timeout: {{ $.HealthTimeout }}
{{- with index $.Target . }}, {{ . }}{{ end }}
{{- with index $.Fate . }}, pod: {metadata: {labels: {bake-test/fate: {{ . }}}}}{{ end }}}
{{- end }}
`))

// kubeOptions changes what newKubeProject writes.
type kubeOptions struct {
	// Retention is each environment's retention, by name: "{previous: warm}".
	Retention map[string]string
	// Target is more keys of every environment's target, in flow style:
	// "strategy: rolling, watch: 5s".
	Target string
	// HealthTimeout is every target's health_timeout; default 30s.
	HealthTimeout string
}

// kubeProject is one test's bake project whose environments run on the
// test cluster, each in a namespace of its own, deleted when the test ends.
type kubeProject struct {
	t             *testing.T
	Name, Dir     string
	Kubeconfig    string
	Context       string
	Envs          []string
	Namespaces    map[string]string // by environment
	Retention     map[string]string
	Target        map[string]string // more target keys, by environment
	Fate          map[string]string // bake-test/fate of the pods bake deploys, by environment
	HealthTimeout string
	// kube is the test's own client, as the cluster's admin.
	kube kubernetes.Interface
}

// newKubeProject writes a project with a unique name and unique
// namespaces into a temporary directory; the namespaces, the project's
// images and its sandboxes' containers are removed when the test ends.
func newKubeProject(t *testing.T, opts kubeOptions) *kubeProject {
	t.Helper()
	kubeconfig := servicestest.KubeConfig(t)
	cl, err := kubex.Open(kubex.Cluster{Kubeconfig: kubeconfig, Context: servicestest.KubeContext}, nil)
	require.NoError(t, err)
	p := &kubeProject{t: t, Name: "e2e-" + randomHex(t, 4), Dir: t.TempDir(), Kubeconfig: kubeconfig,
		Context: servicestest.KubeContext, Envs: []string{"dev", "prod"}, Namespaces: map[string]string{},
		Retention: opts.Retention, Target: map[string]string{}, Fate: map[string]string{},
		HealthTimeout: opts.HealthTimeout, kube: cl.Clientset}
	if p.HealthTimeout == "" {
		p.HealthTimeout = "30s"
	}
	for _, env := range p.Envs {
		// Not the default PROJECT-ENV, so that the key is what is used.
		p.Namespaces[env] = "e2e-kube-" + strings.TrimPrefix(p.Name, "e2e-") + "-" + env
		p.Target[env] = opts.Target
	}
	writeFile(t, filepath.Join(p.Dir, "templates", "svc", "Dockerfile.tmpl"), dockerfileTemplate)
	bin, err := os.ReadFile(svcBin)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(p.Dir, "images", "svc"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(p.Dir, "images", "svc", "svc"), bin, 0o755))
	p.writeConfig()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for _, ns := range p.Namespaces {
			err := p.kube.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{})
			if err != nil && !apierrors.IsNotFound(err) {
				t.Errorf("cleanup: deleting namespace %s: %v", ns, err)
			}
		}
		removeProject(t, p.Name, nil, true)
	})
	t.Logf("project %s in %s, namespaces %v", p.Name, p.Dir, p.Namespaces)
	return p
}

func (p *kubeProject) writeConfig() {
	p.t.Helper()
	var b strings.Builder
	require.NoError(p.t, kubeConfigTemplate.Execute(&b, p))
	writeFile(p.t, filepath.Join(p.Dir, "bake.yaml"), b.String())
}

// setFate makes the pods of env's next deployments never ready
// ("unready"), crash-loop ("crashloop") or come up ready ("").
func (p *kubeProject) setFate(env, fate string) {
	p.t.Helper()
	p.Fate[env] = fate
	p.writeConfig()
}

// bake runs bake in the project.
func (p *kubeProject) bake(args ...string) result {
	p.t.Helper()
	return bake(p.t, p.Dir, args...)
}

// mustBake runs bake in the project and fails the test unless it exits 0.
func (p *kubeProject) mustBake(args ...string) result {
	p.t.Helper()
	return mustBake(p.t, p.Dir, args...)
}

// kubeRelease is a release as `bake show -o json` records it.
type kubeRelease struct {
	Version   string `json:"version"`
	Digest    string `json:"digest"`
	Reference string `json:"reference"`
}

// release records svc@version.
func (p *kubeProject) release(version string) kubeRelease {
	p.t.Helper()
	p.mustBake("release", kubeImage, "--version", version)
	var rel kubeRelease
	decodeOne(p.t, p.mustBake("show", kubeImage+"@"+version, "-o", "json").stdout, &rel)
	require.True(p.t, strings.HasPrefix(rel.Digest, "sha256:"), "svc@%s digest %q", version, rel.Digest)
	require.Equal(p.t, "@"+rel.Digest, rel.Reference[strings.LastIndex(rel.Reference, "@"):], "svc@%s reference", version)
	return rel
}

// history is `bake history svc --all --env env -o json` (env "" for all).
func (p *kubeProject) history(env string) historyDoc {
	p.t.Helper()
	args := []string{"history", kubeImage, "--all", "-o", "json"}
	if env != "" {
		args = append(args, "--env", env)
	}
	var h historyDoc
	decodeOne(p.t, p.mustBake(args...).stdout, &h)
	return h
}

// kubeEnvStatus is env's entry of `bake status svc -o json`, with the
// kubernetes target's detail kept raw.
type kubeEnvStatus struct {
	Env      string    `json:"env"`
	Version  string    `json:"version"`
	Digest   string    `json:"digest"`
	Replicas []replica `json:"replicas"`
	Drift    []string  `json:"drift"`
}

// status is env's entry of `bake status svc -o json`.
func (p *kubeProject) status(env string) kubeEnvStatus {
	p.t.Helper()
	var doc []struct {
		Environments []kubeEnvStatus `json:"environments"`
	}
	decodeStatus(p.t, p.mustBake("status", kubeImage, "-o", "json").stdout, &doc)
	require.Len(p.t, doc, 1)
	for _, es := range doc[0].Environments {
		if es.Env == env {
			return es
		}
	}
	p.t.Fatalf("status has no environment %q", env)
	return kubeEnvStatus{}
}

// deployment reads env's Deployment of version; nil if there is none.
func (p *kubeProject) deployment(env, version string) *appsv1.Deployment {
	p.t.Helper()
	return p.deploymentNamed(env, kube.DeploymentName(kubeImage, version))
}

func (p *kubeProject) deploymentNamed(env, name string) *appsv1.Deployment {
	p.t.Helper()
	d, err := p.kube.AppsV1().Deployments(p.Namespaces[env]).Get(context.Background(), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	require.NoError(p.t, err)
	return d
}

// deployments are the names of env's Deployments that bake labelled.
func (p *kubeProject) deployments(env string) []string {
	p.t.Helper()
	list, err := p.kube.AppsV1().Deployments(p.Namespaces[env]).List(context.Background(),
		metav1.ListOptions{LabelSelector: kube.LabelProject + "=" + p.Name})
	require.NoError(p.t, err)
	var names []string
	for _, d := range list.Items {
		if d.DeletionTimestamp == nil {
			names = append(names, d.Name)
		}
	}
	return names
}

// service reads env's Service; nil if there is none.
func (p *kubeProject) service(env string) *corev1.Service {
	p.t.Helper()
	s, err := p.kube.CoreV1().Services(p.Namespaces[env]).Get(context.Background(), kubeImage, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	require.NoError(p.t, err)
	return s
}

// assertSelects checks that env's Service selects exactly the pods of
// version's Deployment.
func (p *kubeProject) assertSelects(env, version string) {
	p.t.Helper()
	svc := p.service(env)
	if !assert.NotNil(p.t, svc, "%s has a Service", env) {
		return
	}
	want := kube.ServiceSelector(p.Name, env, kubeImage, version)
	assert.Equal(p.t, map[string]string(want), svc.Spec.Selector, "%s's Service selects %s", env, version)
}

// assertRuns checks that env's Deployment of version runs the release by
// digest (image REPO@DIGEST, as its annotations record) and that its
// replicas, 2 or 0, are what it should be, all ready when 2.
func (p *kubeProject) assertRuns(env string, rel kubeRelease, replicas int32) *appsv1.Deployment {
	p.t.Helper()
	version, digest := rel.Version, rel.Digest
	d := p.deployment(env, version)
	require.NotNil(p.t, d, "%s has a Deployment of %s", env, version)
	c := d.Spec.Template.Spec.Containers
	require.NotEmpty(p.t, c)
	assert.Equal(p.t, kube.ContainerName, c[0].Name)
	assert.Equal(p.t, rel.Reference, c[0].Image, "%s runs the release by digest", d.Name)
	assert.True(p.t, strings.HasPrefix(c[0].Image, "127.0.0.1:5000/"), c[0].Image)
	assert.Equal(p.t, c[0].Image, d.Annotations[kube.AnnotationReference])
	assert.Equal(p.t, digest, d.Annotations[kube.AnnotationDigest])
	assert.Equal(p.t, version, d.Labels[kube.LabelVersion])
	require.NotNil(p.t, d.Spec.Replicas)
	assert.Equal(p.t, replicas, *d.Spec.Replicas, "%s replicas", d.Name)
	if replicas > 0 {
		assert.Equal(p.t, replicas, d.Status.AvailableReplicas, "%s available pods", d.Name)
		assert.Equal(p.t, replicas, int32(p.readyPods(env, labels.Set(d.Spec.Selector.MatchLabels))), "%s ready pods", d.Name)
	}
	return d
}

// readyPods counts the ready pods selector selects in env's namespace.
func (p *kubeProject) readyPods(env string, selector labels.Set) int {
	p.t.Helper()
	list, err := p.kube.CoreV1().Pods(p.Namespaces[env]).List(context.Background(),
		metav1.ListOptions{LabelSelector: selector.String()})
	require.NoError(p.t, err)
	n := 0
	for _, pod := range list.Items {
		for _, c := range pod.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue && pod.DeletionTimestamp == nil {
				n++
			}
		}
	}
	return n
}

// kubeCalls matches the line every run that talked to a cluster ends with.
func assertKubeCalls(t *testing.T, res result) {
	t.Helper()
	assert.Regexp(t, `(?m)^kubernetes: [1-9][0-9]* API calls \(.*\)$`, res.stderr, "the run reports its API calls")
}

// newest is the newest deployment of version in h.
func newest(t *testing.T, h historyDoc, kind, version string) deployment {
	t.Helper()
	for _, d := range h.Deployments {
		if d.Kind == kind && d.Version == version {
			return d
		}
	}
	t.Fatalf("history has no %s of %s: %+v", kind, version, h.Deployments)
	return deployment{}
}

func (p *kubeProject) String() string { return fmt.Sprintf("project %s", p.Name) }

// metav1GetOptions reads an object as the API server has it now.
var metav1GetOptions = metav1.GetOptions{}
