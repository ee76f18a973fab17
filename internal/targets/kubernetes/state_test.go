package kubernetes_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// state describes the namespace's Deployments, ReplicaSets, pods and
// events as the API server has them now, for a failed assertion about
// them: which object owns what, and which pod is ready since when.
func (f *fixture) state() string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var b strings.Builder
	fmt.Fprintf(&b, "\nnamespace %s at %s:", f.ns, time.Now().UTC().Format("15:04:05.000"))
	if ds, err := f.admin.Clientset.AppsV1().Deployments(f.ns).List(ctx, metav1.ListOptions{}); err == nil {
		for _, d := range ds.Items {
			fmt.Fprintf(&b, "\n  Deployment %s uid %s generation %d replicas %d deleting %v status %+v",
				d.Name, d.UID, d.Generation, *d.Spec.Replicas, d.DeletionTimestamp != nil, d.Status)
		}
	}
	if rss, err := f.admin.Clientset.AppsV1().ReplicaSets(f.ns).List(ctx, metav1.ListOptions{}); err == nil {
		for _, r := range rss.Items {
			fmt.Fprintf(&b, "\n  ReplicaSet %s uid %s owner %s replicas %d deleting %v status %+v",
				r.Name, r.UID, owner(r.OwnerReferences), *r.Spec.Replicas, r.DeletionTimestamp != nil, r.Status)
		}
	}
	if pods, err := f.admin.Clientset.CoreV1().Pods(f.ns).List(ctx, metav1.ListOptions{}); err == nil {
		for _, p := range pods.Items {
			ready := "no Ready condition"
			for _, c := range p.Status.Conditions {
				if c.Type == corev1.PodReady {
					ready = fmt.Sprintf("ready %s since %s %s", c.Status, c.LastTransitionTime.UTC().Format("15:04:05"), c.Reason)
				}
			}
			fmt.Fprintf(&b, "\n  Pod %s uid %s owner %s node %s %s, %s, deleting %v",
				p.Name, p.UID, owner(p.OwnerReferences), p.Spec.NodeName, p.Status.Phase, ready, p.DeletionTimestamp != nil)
		}
	}
	if evs, err := f.admin.Clientset.CoreV1().Events(f.ns).List(ctx, metav1.ListOptions{}); err == nil {
		for _, e := range evs.Items {
			at := e.LastTimestamp.Time
			if at.IsZero() {
				at = e.EventTime.Time
			}
			fmt.Fprintf(&b, "\n  Event %s %s/%s %s: %s", at.UTC().Format("15:04:05"),
				e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Reason, e.Message)
		}
	}
	return b.String()
}

// owner is the uid of an object's controller, "none" without one.
func owner(refs []metav1.OwnerReference) string {
	for _, r := range refs {
		if r.Controller != nil && *r.Controller {
			return r.Kind + " " + string(r.UID)
		}
	}
	return "none"
}
