package kubernetes

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/kubex"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/servicestest"
	"github.com/bakehq/bake/internal/targets"
)

// The test cluster is a real API server, controller manager and scheduler
// with kwok's nodes: pods are scheduled and marked Ready, but no container
// runs, so these tests prove what bake reads and changes through the API,
// never the containers' own behaviour.

var sceneSeq atomic.Int64

// scene is one test's namespace on the test cluster, with a target of its
// own project; objects are made there the way bake makes them.
type scene struct {
	t         *testing.T
	ctx       context.Context
	cs        kubernetes.Interface
	project   string
	namespace string
	target    *Target
	tgt       *config.Target
	img       *config.Image
}

func newScene(t *testing.T) *scene {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	t.Cleanup(cancel)
	n := sceneSeq.Add(1)
	project := fmt.Sprintf("obs%d%d", time.Now().UnixNano()%1e6, n)
	s := &scene{t: t, ctx: ctx, project: project, namespace: project + "-prod",
		img: &config.Image{Name: "web", Port: 8080}}
	s.tgt = &config.Target{Type: config.TargetKubernetes, Replicas: 2, HealthTimeout: 60 * time.Second, Strategy: config.BlueGreen,
		Kubernetes: &config.Kubernetes{Kubeconfig: servicestest.KubeConfig(t), Context: servicestest.KubeContext, ServicePort: 80, Port: 8080}}
	s.target = New(targets.Deps{Project: project, Operation: "op-test"})
	cl, err := s.target.client(ctx, s.tgt)
	require.NoError(t, err)
	s.cs = cl.Clientset
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = s.cs.CoreV1().Namespaces().Delete(ctx, s.namespace, metav1.DeleteOptions{})
	})
	return s
}

// release is a release of the scene's image, with a digest of its own.
func (s *scene) release(version string) ledger.Release {
	d := fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(s.project+version)))
	return ledger.Release{Image: "web", Version: version, Digest: d, Reference: "127.0.0.1:5000/web@" + d}
}

func (s *scene) request(version string) targets.Request {
	return targets.Request{Env: "prod", Image: s.img, Target: s.tgt, Release: s.release(version), Keep: config.KeepWarm}
}

func (s *scene) observe(version, previous string) targets.State {
	s.t.Helper()
	o := targets.Observation{Env: "prod", Image: "web", Target: s.tgt, Version: version, Previous: previous, Keep: config.KeepWarm}
	if version != "" {
		o.Digest = s.release(version).Digest
	}
	st, err := s.target.Observe(s.ctx, o)
	require.NoError(s.t, err)
	return st
}

func (s *scene) ensureNamespace() {
	s.t.Helper()
	_, err := s.cs.CoreV1().Namespaces().Apply(s.ctx, s.target.namespaceFor(s.request("0.0.0")), applyOptions)
	require.NoError(s.t, err)
}

// deploy makes version's Deployment as bake does, by operation, with
// replicas pods, and waits until every one is available.
func (s *scene) deploy(version, operation string, replicas int32) {
	s.t.Helper()
	s.ensureNamespace()
	by := New(targets.Deps{Project: s.project, Operation: operation})
	req := s.request(version)
	tgt := *s.tgt
	tgt.Replicas = int(replicas)
	req.Target = &tgt
	d, err := by.deploymentFor(req, nil)
	require.NoError(s.t, err)
	_, err = s.cs.AppsV1().Deployments(s.namespace).Apply(s.ctx, d, applyOptions)
	require.NoError(s.t, err)
	s.waitSettled(DeploymentName("web", version), replicas)
}

func (s *scene) waitSettled(name string, replicas int32) {
	s.t.Helper()
	var last string
	err := wait.PollUntilContextTimeout(s.ctx, 250*time.Millisecond, 90*time.Second, true, func(ctx context.Context) (bool, error) {
		d, err := s.cs.AppsV1().Deployments(s.namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		ok, why := settledTo(d, replicas)
		if ok && replicas > 0 {
			ok = d.Status.ReadyReplicas == replicas
		}
		last = why
		return ok, nil
	})
	require.NoError(s.t, err, "deployment %s never settled: %s", name, last)
}

// point applies the Service as bake does, selecting version.
func (s *scene) point(version string) {
	s.t.Helper()
	svc := s.target.serviceFor(s.request(version), ServiceSelector(s.project, "prod", "web", version))
	_, err := s.cs.CoreV1().Services(s.namespace).Apply(s.ctx, svc, applyOptions)
	require.NoError(s.t, err)
}

func (s *scene) deployment(name string) *appsv1.Deployment {
	s.t.Helper()
	d, err := s.cs.AppsV1().Deployments(s.namespace).Get(s.ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	require.NoError(s.t, err)
	return d
}

func (s *scene) service() *corev1.Service {
	s.t.Helper()
	svc, err := s.cs.CoreV1().Services(s.namespace).Get(s.ctx, "web", metav1.GetOptions{})
	require.NoError(s.t, err)
	return svc
}

// anyContains reports whether a line of lines contains every part.
func anyContains(lines []string, parts ...string) bool {
	for _, l := range lines {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(l, p)
		}
		if ok {
			return true
		}
	}
	return false
}

func (s *scene) cl() *kubex.Client {
	s.t.Helper()
	cl, err := s.target.client(s.ctx, s.tgt)
	require.NoError(s.t, err)
	return cl
}

func isNotFound(err error) bool { return apierrors.IsNotFound(err) }
