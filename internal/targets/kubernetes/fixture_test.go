package kubernetes_test

// These tests run against a real API server, controller manager and
// scheduler (scripts/kube/kube.sh) whose nodes are kwok's: pods are
// scheduled and become Ready without any container running, and their IPs
// are never contacted. They prove the API choreography (objects, selectors,
// readiness, rollouts, cleanup), not what a container does; a pod patch
// labelling pods bake-test/fate: unready or crashloop makes kwok fail them.

import (
	"context"
	"crypto/sha256"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bakehq/bake/internal/callcount"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/kubex"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/sqlite"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/servicestest"
	"github.com/bakehq/bake/internal/targets"
	"github.com/bakehq/bake/internal/targets/kubernetes"
)

const (
	image = "web"
	env   = "prod"
)

var seq atomic.Int64

// fixture is one test's world on the test cluster: its own project and
// namespace (deleted at cleanup), a target, a ledger and a deployer.
type fixture struct {
	t        *testing.T
	calls    *callcount.Counter
	admin    *kubex.Client // for the test's own reads, not counted
	project  string
	ns       string
	target   *kubernetes.Target
	env      *config.Environment
	image    *config.Image
	store    ledger.Store
	deployer *promote.Engine
	progress *syncBuffer
}

func newFixture(t *testing.T, strategy, keep string, releases int) *fixture {
	t.Helper()
	kubeconfig := servicestest.KubeConfig(t)
	n := seq.Add(1)
	f := &fixture{t: t, calls: &callcount.Counter{}, progress: &syncBuffer{},
		project: fmt.Sprintf("p%d-%d", os.Getpid()%100000, n)}
	f.ns = "bake-test-" + f.project
	cluster := kubex.Cluster{Kubeconfig: kubeconfig, Context: servicestest.KubeContext}
	admin, err := kubex.Open(cluster, nil)
	require.NoError(t, err)
	f.admin = admin
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := admin.Clientset.CoreV1().Namespaces().Delete(ctx, f.ns, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Logf("deleting namespace %s: %v", f.ns, err)
		}
	})
	f.image = &config.Image{Name: image, Port: 8080,
		Checks: []config.Check{{Name: "up", HTTP: &config.HTTPCheck{Path: "/healthz", Status: 200}}}}
	f.env = &config.Environment{Name: env, Retention: config.Retention{Previous: keep, Releases: releases},
		Targets: map[string]*config.Target{image: {
			Type: config.TargetKubernetes, Replicas: 2, HealthTimeout: 15 * time.Second, Strategy: strategy,
			Kubernetes: &config.Kubernetes{Kubeconfig: kubeconfig, Context: servicestest.KubeContext,
				Namespace: f.ns, Service: image, ServicePort: 80, Port: 8080},
		}}}
	store, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "ledger.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	f.store = store
	proj := &config.Project{Name: f.project, Images: []*config.Image{f.image}, Environments: []*config.Environment{f.env}}
	f.deployer = &promote.Engine{Project: proj, Store: store, User: "test", Progress: f.progress}
	f.fresh()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("progress:\n%s", f.progress.String())
		}
	})
	return f
}

// fresh starts over with a new target, as the next bake run would.
func (f *fixture) fresh() {
	f.target = kubernetes.New(targets.Deps{Project: f.project, Operation: fmt.Sprintf("op-%s-%d", f.project, seq.Add(1)),
		Progress: f.progress, Kubernetes: func(_ context.Context, c kubex.Cluster) (*kubex.Client, error) {
			return kubex.Open(c, f.calls)
		}})
	f.deployer.Target = f.target
}

// tgt is the environment's target.
func (f *fixture) tgt() *config.Target { return f.env.Targets[image] }

// fate makes the pods of the next deployments fail as kwok's stages say
// ("unready", "crashloop"), or succeed ("").
func (f *fixture) fate(fate string) {
	if fate == "" {
		f.tgt().Kubernetes.Pod = nil
		return
	}
	f.tgt().Kubernetes.Pod = config.PodPatch(fmt.Sprintf(`{"metadata":{"labels":{"bake-test/fate":%q}}}`, fate))
}

// release records image@version, by a digest of its own.
func (f *fixture) release(version string) ledger.Release {
	f.t.Helper()
	digest := fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(f.project+version)))
	rel := ledger.Release{Image: image, Version: version, Digest: digest, Reference: "127.0.0.1:5000/" + f.project + "/web@" + digest,
		Status: ledger.StatusValidated, CreatedAt: time.Now().UTC(), CreatedBy: "test"}
	require.NoError(f.t, f.store.PutRelease(f.t.Context(), rel))
	return rel
}

// request is the target request the deployer makes for rel.
func (f *fixture) request(rel ledger.Release) targets.Request {
	return targets.Request{Env: env, Image: f.image, Target: f.tgt(), Release: rel,
		Keep: f.env.Retention.Previous, Releases: f.env.Retention.Releases}
}

// execute runs a deployment through the deployer and returns the API
// calls it made, by operation.
func (f *fixture) execute(kind string, rel ledger.Release) (promote.Result, map[string]int, error) {
	return f.executeCtx(f.t.Context(), kind, rel)
}

func (f *fixture) executeCtx(ctx context.Context, kind string, rel ledger.Release) (promote.Result, map[string]int, error) {
	before := f.calls.ByOperation()
	res, err := f.deployer.Execute(ctx, kind, f.env, rel)
	return res, since(before, f.calls.ByOperation()), err
}

// since is after less before, by operation.
func since(before, after map[string]int) map[string]int {
	out := maps.Clone(after)
	for k, v := range before {
		out[k] -= v
		if out[k] == 0 {
			delete(out, k)
		}
	}
	return out
}

// deployment reads a Deployment; nil if there is none.
func (f *fixture) deployment(name string) *appsv1.Deployment {
	f.t.Helper()
	d, err := f.admin.Clientset.AppsV1().Deployments(f.ns).Get(context.Background(), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	require.NoError(f.t, err)
	return d
}

// replicas is a Deployment's spec.replicas; -1 if there is no Deployment.
func (f *fixture) replicas(name string) int {
	d := f.deployment(name)
	if d == nil {
		return -1
	}
	return int(*d.Spec.Replicas)
}

// service reads the environment's Service; nil if there is none.
func (f *fixture) service() *corev1.Service {
	f.t.Helper()
	s, err := f.admin.Clientset.CoreV1().Services(f.ns).Get(context.Background(), image, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	require.NoError(f.t, err)
	return s
}

// selects asserts the Service selects version's pods and that they are
// all ready.
func (f *fixture) selects(version string) {
	f.t.Helper()
	svc := f.service()
	require.NotNil(f.t, svc, "the Service exists")
	require.Equal(f.t, map[string]string(kubernetes.ServiceSelector(f.project, env, image, version)), svc.Spec.Selector)
	d := f.deployment(kubernetes.DeploymentName(image, version))
	require.NotNil(f.t, d)
	if d.Status.AvailableReplicas != 2 {
		require.EqualValues(f.t, 2, d.Status.AvailableReplicas, "%s has its pods available%s", d.Name, f.state())
	}
}

// deployments lists the names of the namespace's Deployments.
func (f *fixture) deployments() []string {
	f.t.Helper()
	list, err := f.admin.Clientset.AppsV1().Deployments(f.ns).List(context.Background(), metav1.ListOptions{})
	require.NoError(f.t, err)
	var out []string
	for _, d := range list.Items {
		if d.DeletionTimestamp == nil {
			out = append(out, d.Name)
		}
	}
	slices.Sort(out)
	return out
}

// formatCalls renders counts as "total (op n, ...)".
func formatCalls(c map[string]int) string {
	total := 0
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(c)) {
		total += c[k]
		parts = append(parts, fmt.Sprintf("%s %d", k, c[k]))
	}
	return fmt.Sprintf("%d (%s)", total, strings.Join(parts, ", "))
}

// syncBuffer collects progress lines from concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
