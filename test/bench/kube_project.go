package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/bakehq/bake/internal/servicestest"
)

// The kubernetes table's project: the e2e tests' svc in a FROM scratch
// image, released twice, and per round two environments on the test
// cluster, each in a namespace of its own: one keeps the replaced release
// stopped, the other warm.
const (
	kubeProjectName = "bench-kube"
	kubeReplicas    = 2
	// kubeRounds: each takes seconds on kwok, and the shared machine's
	// noise wants more of them than the other tables' rounds.
	kubeRounds  = 10
	kubeService = "svc" // the Service's name: the image's, by default
)

const kubeDockerfile = `FROM scratch
COPY svc /svc
ENV SVC_VERSION={{ .Version }}
EXPOSE 8080
ENTRYPOINT ["/svc"]
`

const kubeConfigHead = `project: ` + kubeProjectName + `
registry: 127.0.0.1:5000
ledger: ledger.db
images:
  svc:
    template: templates/svc
    context: images/svc
    port: 8080
    checks:
      - name: healthz
        http: {path: /healthz, status: 200, timeout: 10s}
environments:
`

// kubeCluster is the test cluster as the bench reaches it.
type kubeCluster struct {
	kubeconfig string
	kubectl    string
	cs         *kubernetes.Clientset
	run        string   // this run's suffix of every namespace it makes
	namespaces []string // those it made or had bake make, deleted at the end
}

// kubeClusterOf finds the test cluster scripts/services.sh runs (its admin
// kubeconfig in the services' state directory, as the tests find it) and
// kubectl; why not, when it cannot.
func kubeClusterOf() (*kubeCluster, string) {
	state, err := servicestest.StateDir("kube")
	if err != nil {
		return nil, err.Error()
	}
	// On a fresh machine scripts/services.sh up builds and starts the
	// cluster in the background; the table waits for it like the tests.
	err = servicestest.KubeWait(filepath.Join(state, "kube"), servicestest.KubeWaitTimeout, func() {
		logf("kubernetes: waiting for the test cluster (being built by scripts/services.sh)")
	})
	if err != nil {
		return nil, err.Error()
	}
	k := &kubeCluster{kubeconfig: filepath.Join(state, "kube", "kubeconfig")}
	if _, err := os.Stat(k.kubeconfig); err != nil {
		return nil, "no Kubernetes test cluster (scripts/services.sh up starts it): " + err.Error()
	}
	// kube.sh installs kubectl in /usr/local/bin as root, else in its state directory.
	k.kubectl, _ = exec.LookPath("kubectl")
	for _, p := range []string{"/usr/local/bin/kubectl", filepath.Join(state, "kube", "bin", "kubectl"), filepath.Join(state, "bin", "kubectl")} {
		if k.kubectl != "" {
			break
		}
		if st, err := os.Stat(p); err == nil && st.Mode()&0o111 != 0 {
			k.kubectl = p
		}
	}
	if k.kubectl == "" {
		return nil, "kubectl is not installed (scripts/kube/kube.sh builds it)"
	}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: k.kubeconfig},
		&clientcmd.ConfigOverrides{CurrentContext: servicestest.KubeContext}).ClientConfig()
	if err != nil {
		return nil, "the test cluster's kubeconfig: " + err.Error()
	}
	if k.cs, err = kubernetes.NewForConfig(cfg); err != nil {
		return nil, err.Error()
	}
	if _, err := k.cs.Discovery().ServerVersion(); err != nil {
		return nil, "the test cluster does not answer (scripts/services.sh status): " + err.Error()
	}
	suffix := make([]byte, 3)
	_, _ = rand.Read(suffix)
	k.run = hex.EncodeToString(suffix)
	return k, ""
}

// namespace is this run's namespace called name, to be deleted at the end.
func (k *kubeCluster) namespace(name string) string {
	ns := kubeProjectName + "-" + k.run + "-" + name
	k.namespaces = append(k.namespaces, ns)
	return ns
}

// kubectlArgs are kubectl's arguments for the test cluster, then args.
func (k *kubeCluster) kubectlArgs(args ...string) []string {
	return append([]string{k.kubectl, "--kubeconfig", k.kubeconfig, "--context", servicestest.KubeContext}, args...)
}

// clean deletes the run's namespaces; the cluster's controllers delete
// what is in them, and nothing waits for that.
func (k *kubeCluster) clean() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, ns := range k.namespaces {
		if err := k.cs.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil && !strings.Contains(err.Error(), "not found") {
			logf("kubernetes: deleting namespace %s: %v", ns, err)
		}
	}
	k.namespaces = nil
}

// kubeEnv is one environment of the project: its name, what it keeps of
// the release a deployment replaces, and its namespace.
type kubeEnv struct{ name, keep, namespace string }

// kubeSetup makes the project anew in dir with the environments envs and
// releases svc 1.0.0 and 1.1.0.
func (b *bench) kubeSetup(dir string, k *kubeCluster, envs []kubeEnv) {
	if err := os.RemoveAll(dir); err != nil {
		die("%v", err)
	}
	for _, d := range []string{filepath.Join(dir, "templates", "svc"), filepath.Join(dir, "images", "svc"), b.logs} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			die("%v", err)
		}
	}
	writeText(filepath.Join(dir, "templates", "svc", "Dockerfile.tmpl"), kubeDockerfile)
	b.buildSvc(filepath.Join(dir, "images", "svc", "svc"))
	var y strings.Builder
	y.WriteString(kubeConfigHead)
	for _, e := range envs {
		fmt.Fprintf(&y, `  - name: %s
    retention: {previous: %s}
    targets:
      svc: {type: kubernetes, kubeconfig: "%s", context: %s, namespace: %s, replicas: %d, health_timeout: 60s}
`, e.name, e.keep, k.kubeconfig, servicestest.KubeContext, e.namespace, kubeReplicas)
	}
	writeText(filepath.Join(dir, "bake.yaml"), y.String())
	for _, v := range []string{"1.0.0", "1.1.0"} {
		b.must("kube-release-"+v, dir, b.bake, "release", "svc", "--version", v)
	}
}

// createNamespace makes the namespace of the floor, which kubectl apply
// does not create.
func (k *kubeCluster) createNamespace(ns string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := k.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: ns, Labels: map[string]string{"bake.dev/project": kubeProjectName}}}, metav1.CreateOptions{})
	if err != nil {
		die("kubernetes: creating namespace %s: %v", ns, err)
	}
}

// loadAverage is the machine's load average over 1, 5 and 15 minutes.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	fs := strings.Fields(string(data))
	if len(fs) < 3 {
		return "unknown"
	}
	return strings.Join(fs[:3], " ")
}
