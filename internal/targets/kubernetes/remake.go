package kubernetes

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/targets"
)

// editedByHand says how d, a Deployment bake applied for the release
// whose image is reference, is no longer what bake applied: its app
// container runs another image, or a manager other than bake and the
// cluster's controllers owns fields of its spec (its size aside, which
// bake sets on every apply). "" when it is as bake left it.
func editedByHand(d *appsv1.Deployment, reference string) string {
	var why []string
	for _, e := range editsOf(d.ManagedFields) {
		paths := slices.DeleteFunc(slices.Clone(e.paths), func(p string) bool { return p == "spec.replicas" })
		if len(paths) > 0 {
			why = append(why, fmt.Sprintf("%s owns %s", e.manager, strings.Join(paths, ", ")))
		}
	}
	if img := appImage(d); len(why) == 0 && img != reference {
		why = append(why, fmt.Sprintf("its %s container runs %s", ContainerName, img))
	}
	return strings.Join(why, "; ")
}

// remake deletes kept, a Deployment of the release edited by hand, so that
// bake creates it anew from the record: an apply takes back the fields
// bake sets, but cannot remove those another manager added. It serves no
// traffic (it is not the Service's), so nothing is lost; one the Service
// selects is left for the apply to take back what it can. It returns the
// Deployment left (nil once deleted).
func (st *stepDeployment) remake(ctx context.Context, kept *appsv1.Deployment, why string) (*appsv1.Deployment, error) {
	t, ns := st.t, kept.Namespace
	svc, err := t.service(ctx, st.cl, st.req)
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return nil, err
	case len(svc.Spec.Selector) > 0 && labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(kept.Spec.Template.Labels)):
		t.step(progress.Started, "Deployment %s was edited by hand (%s) and serves: applying it again", kept.Name, why)
		return kept, nil
	}
	t.step(progress.Started, "Deployment %s was edited by hand (%s); making it anew from the record", kept.Name, why)
	// In the foreground, the Deployment goes only once its pods have: none
	// of the hand-made pods can count as the new Deployment's ready pods
	// (they carry the same labels) nor receive requests after the switch.
	fg := metav1.DeletePropagationForeground
	deployments := st.cl.Clientset.AppsV1().Deployments(ns)
	err = deployments.Delete(ctx, kept.Name, metav1.DeleteOptions{PropagationPolicy: &fg,
		Preconditions: &metav1.Preconditions{UID: &kept.UID}})
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("deleting Deployment %s/%s, edited by hand: %w", ns, kept.Name, err)
	}
	timeout := st.req.Target.HealthTimeout
	if timeout <= 0 {
		timeout = config.DefaultHealthTimeout
	}
	selector := labels.Set(kept.Spec.Selector.MatchLabels).String()
	err = wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		if _, err := deployments.Get(ctx, kept.Name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			return false, ignoreTransient(err)
		}
		pods, err := st.cl.Clientset.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil {
			return false, ignoreTransient(err)
		}
		return len(pods.Items) == 0, nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, targets.InterruptedWhile(ctx, "deleting Deployment "+kept.Name)
		}
		return nil, fmt.Errorf("deleting Deployment %s/%s, edited by hand: its pods were not gone within %s: %w", ns, kept.Name, timeout, err)
	}
	return nil, nil
}

// ignoreTransient lets a poll go on after an error the next try may not
// see (the API server busy or a timeout); others end it.
func ignoreTransient(err error) error {
	if err == nil || apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) || apierrors.IsTooManyRequests(err) ||
		apierrors.IsInternalError(err) || apierrors.IsServiceUnavailable(err) {
		return nil
	}
	return err
}
