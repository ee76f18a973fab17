package servicestest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// These tests check the test cluster itself (scripts/kube/kube.sh): the
// API server answers with the admin kubeconfig, kwok's two nodes are Ready,
// and the label bake-test/fate decides what becomes of a pod. No container
// runs: kwok only writes the pods' status.

func kubeClient(t *testing.T) *kubernetes.Clientset {
	t.Helper()
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: KubeConfig(t)},
		&clientcmd.ConfigOverrides{CurrentContext: KubeContext}).ClientConfig()
	if err != nil {
		t.Fatalf("test cluster kubeconfig: %v", err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("test cluster client: %v", err)
	}
	return cs
}

func TestKubeClusterAnswers(t *testing.T) {
	cs := kubeClient(t)
	v, err := cs.Discovery().ServerVersion()
	if err != nil {
		t.Fatalf("test cluster does not answer (scripts/services.sh status): %v", err)
	}
	if !strings.HasPrefix(v.GitVersion, "v1.34.") {
		t.Errorf("server version = %q, want v1.34.x", v.GitVersion)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, name := range []string{"kwok-node-0", "kwok-node-1"} {
		node, err := cs.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Errorf("node %q: %v", name, err)
			continue
		}
		if !nodeReady(node) {
			t.Errorf("node %q is not Ready: %+v", name, node.Status.Conditions)
		}
	}
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// TestKubeFates deploys one deployment per fate and checks what kwok makes
// of its pods: ready, never ready with an Unhealthy event, or crash-looping
// with a growing restart count and a BackOff event.
func TestKubeFates(t *testing.T) {
	cs := kubeClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	ns := "servicestest-" + hex.EncodeToString(suffix)
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace %q: %v", ns, err)
	}
	t.Cleanup(func() {
		_ = cs.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})
	})
	for _, fate := range []string{"", "unready", "crashloop"} {
		if _, err := cs.AppsV1().Deployments(ns).Create(ctx, fateDeployment(fate), metav1.CreateOptions{}); err != nil {
			t.Fatalf("create deployment for fate %q: %v", fate, err)
		}
	}

	waitFor(ctx, t, "deployment ready to have 2 available replicas", func() (bool, error) {
		d, err := cs.AppsV1().Deployments(ns).Get(ctx, "ready", metav1.GetOptions{})
		return err == nil && d.Status.AvailableReplicas == 2, err
	})
	waitFor(ctx, t, "an Unhealthy event for an unready pod", func() (bool, error) {
		return hasEvent(ctx, cs, ns, "Unhealthy", "Readiness probe failed: ")
	})
	waitFor(ctx, t, "a crash-looping pod restarted twice, with a BackOff event", func() (bool, error) {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=crashloop"})
		if err != nil || len(pods.Items) == 0 {
			return false, err
		}
		st := pods.Items[0].Status.ContainerStatuses
		if len(st) != 1 || st[0].RestartCount < 2 || st[0].State.Waiting == nil || st[0].State.Waiting.Reason != "CrashLoopBackOff" {
			return false, nil
		}
		return hasEvent(ctx, cs, ns, "BackOff", "Back-off restarting failed container app")
	})
	for _, name := range []string{"unready", "crashloop"} {
		d, err := cs.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("get deployment %q: %v", name, err)
		}
		if d.Status.ReadyReplicas != 0 || d.Status.Replicas != 2 {
			t.Errorf("deployment %q: %d of %d replicas ready, want 0 of 2", name, d.Status.ReadyReplicas, d.Status.Replicas)
		}
	}
}

// fateDeployment is a deployment of two pods whose template carries the
// label bake-test/fate=fate (none when fate is empty, named "ready").
func fateDeployment(fate string) *appsv1.Deployment {
	name := fate
	if name == "" {
		name = "ready"
	}
	labels := map[string]string{"app": name}
	tmpl := map[string]string{"app": name}
	if fate != "" {
		tmpl["bake-test/fate"] = fate
	}
	replicas := int32(2)
	image := fmt.Sprintf("127.0.0.1:5000/fate@sha256:%064x", 1)
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: tmpl},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}},
			},
		},
	}
}

func hasEvent(ctx context.Context, cs *kubernetes.Clientset, ns, reason, prefix string) (bool, error) {
	evs, err := cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("reason", reason).String(),
	})
	if err != nil {
		return false, err
	}
	for _, e := range evs.Items {
		if e.Type == corev1.EventTypeWarning && strings.HasPrefix(e.Message, prefix) {
			return true, nil
		}
	}
	return false, nil
}

// waitFor polls cond until it holds; it fails the test when ctx ends first
// and reports the last error cond returned.
func waitFor(ctx context.Context, t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	var last error
	for {
		ok, err := cond()
		if ok {
			return
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v (last error: %v)", what, ctx.Err(), last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
