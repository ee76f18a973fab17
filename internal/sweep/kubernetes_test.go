package sweep

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bakehq/bake/internal/kubex"
	"github.com/bakehq/bake/internal/servicestest"
	kube "github.com/bakehq/bake/internal/targets/kubernetes"
)

// A killed promote's Deployment that no Service selects and whose release
// never succeeded is swept; one the Service selects, one of a release
// that succeeded, and one of a run nobody knows stay.
func TestKubernetesSweep(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cl, err := kubex.Open(kubex.Cluster{Kubeconfig: servicestest.KubeConfig(t), Context: servicestest.KubeContext}, nil)
	require.NoError(t, err)
	project := fmt.Sprintf("sweep%d", time.Now().UnixNano()%1e8)
	ns := project + "-prod"
	_, err = cl.Clientset.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = cl.Clientset.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})
	})

	old := time.Now().Add(-2 * time.Hour)
	deploy := func(version, operation string, created time.Time) {
		sel := kube.ServiceSelector(project, "prod", "web", version)
		lbl := map[string]string{kube.LabelOperation: operation}
		for k, v := range sel {
			lbl[k] = v
		}
		zero := int32(0)
		d := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: kube.DeploymentName("web", version), Labels: lbl,
				Annotations: map[string]string{kube.AnnotationCreatedAt: created.UTC().Format(time.RFC3339)}},
			Spec: appsv1.DeploymentSpec{Replicas: &zero, Selector: &metav1.LabelSelector{MatchLabels: sel},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: sel},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: kube.ContainerName, Image: "127.0.0.1:5000/web@sha256:00"}}}}},
		}
		_, err := cl.Clientset.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{})
		require.NoError(t, err)
	}
	deploy("1.3.0", "dead", old)    // left by a killed promote
	deploy("1.2.0", "dead", old)    // switched to before the kill: the Service selects it
	deploy("1.1.0", "done", old)    // its release succeeded in prod
	deploy("1.0.9", "planted", old) // no known run made it
	deploy("1.4.0", "young", time.Now())
	_, err = cl.Clientset.CoreV1().Services(ns).Create(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: corev1.ServiceSpec{Selector: kube.ServiceSelector(project, "prod", "web", "1.2.0"),
			Ports: []corev1.ServicePort{{Port: 80}}}}, metav1.CreateOptions{})
	require.NoError(t, err)

	sw := &KubernetesSweeper{Clusters: []*kubex.Client{cl},
		Known:     func(op string) bool { return op == "dead" || op == "done" || op == "young" },
		Succeeded: func(image, env, version string) bool { return image == "web" && env == "prod" && version == "1.1.0" }}
	found, err := sw.Find(ctx, Selector{Project: project, OlderThan: time.Hour})
	require.NoError(t, err)
	byName := map[string]Leftover{}
	for _, l := range found {
		byName[l.Name] = l
	}
	require.Len(t, byName, 2, "%v", found)
	assert.Equal(t, "", byName[ns+"/web-v1-3-0"].LeftAlone)
	assert.Equal(t, "dead", byName[ns+"/web-v1-3-0"].Operation)
	assert.Contains(t, byName[ns+"/web-v1-0-9"].LeftAlone, "operation planted is in neither")

	require.NoError(t, sw.Remove(ctx, found))
	for _, l := range found {
		assert.Equal(t, l.LeftAlone == "", l.Removed, l.Name)
	}
	for version, gone := range map[string]bool{"1.3.0": true, "1.2.0": false, "1.1.0": false, "1.0.9": false, "1.4.0": false} {
		_, err := cl.Clientset.AppsV1().Deployments(ns).Get(ctx, kube.DeploymentName("web", version), metav1.GetOptions{})
		assert.Equal(t, gone, apierrors.IsNotFound(err), "web@%s gone: %v", version, err)
	}

	// --operation sweeps the young one's run whatever its age.
	found, err = sw.Find(ctx, Selector{Project: project, Operation: "young"})
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, ns+"/web-v1-4-0", found[0].Name)
}
