package kubernetes

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/bakehq/bake/internal/kubex"
	"github.com/bakehq/bake/internal/targets"
)

// What a canary reads of the Service and the Deployments, and how it
// changes them.

// baselineOf is the version that served behind svc before req's canary:
// the one it selects alone, or, once it selects the canary's pods too,
// the one its annotation names. A Service under the rolling strategy (or
// selecting none of bake's releases) has no release a canary can share
// requests with.
func (t *Target) baselineOf(req targets.Request, svc *corev1.Service) (string, error) {
	sel := svc.Spec.Selector
	v, annotated := sel[LabelVersion], svc.Annotations[AnnotationBaseline]
	switch {
	case sel[LabelRolling] == "true":
		return "", fmt.Errorf("a canary of %s@%s in %q needs the release it replaces in a Deployment of its own, and Service %s/%s selects the rolling Deployment: deploy once with strategy blue-green first",
			req.Image.Name, req.Release.Version, req.Env, svc.Namespace, svc.Name)
	case v != "" && v != req.Release.Version:
		return v, nil
	case (v == req.Release.Version || labels.Equals(sel, t.sharedSelector(req))) && annotated != "" && annotated != req.Release.Version:
		return annotated, nil
	}
	return "", fmt.Errorf("a canary of %s@%s in %q: Service %s/%s selects %s, which names no release to compare it with",
		req.Image.Name, req.Release.Version, req.Env, svc.Namespace, svc.Name, labels.Set(sel))
}

// applyService applies req's Service with selector, and the baseline
// annotation when base is not "" (without it, the apply removes it).
func (t *Target) applyService(ctx context.Context, cl *kubex.Client, req targets.Request, selector labels.Set, base string) error {
	svc := t.serviceFor(req, selector)
	if base != "" {
		svc.WithAnnotations(map[string]string{AnnotationBaseline: base})
	}
	if _, err := applyTakingBack(ctx, cl.Clientset, svc); err != nil {
		if ctx.Err() != nil {
			return targets.InterruptedWhile(ctx, "applying Service "+*svc.Name)
		}
		return fmt.Errorf("applying Service %s/%s: %w", *svc.Namespace, *svc.Name, err)
	}
	return nil
}

// service reads req's Service: a canary needs one serving already.
func (t *Target) service(ctx context.Context, cl *kubex.Client, req targets.Request) (*corev1.Service, error) {
	ns, name := t.namespaceOf(req), serviceOf(req)
	svc, err := cl.Clientset.CoreV1().Services(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("reading Service %s/%s: %w", ns, name, err)
	}
	return svc, nil
}

// deployment reads a Deployment; nil if there is none.
func (t *Target) deployment(ctx context.Context, cl *kubex.Client, ns, name string) (*appsv1.Deployment, error) {
	d, err := cl.Clientset.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading Deployment %s/%s: %w", ns, name, err)
	}
	return d, nil
}

// podsOf is how many pods the Deployment of version of req's image has:
// its spec's, the pods the Service spreads requests over once ready; 0
// when there is none.
func (t *Target) podsOf(ctx context.Context, cl *kubex.Client, req targets.Request, version string) (int32, error) {
	d, err := t.deployment(ctx, cl, t.namespaceOf(req), DeploymentName(req.Image.Name, version))
	if err != nil || d == nil || d.Spec.Replicas == nil {
		return 0, err
	}
	return *d.Spec.Replicas, nil
}

// How resize changes the canary's size.
const (
	exactly = iota // to n pods
	atLeast        // to n pods if it has fewer
)

// resize scales the canary's Deployment to n pods as mode says and waits
// until they are all available (a scale down, until the others are gone);
// one of the right size is waited for too, until its pods are available
// again (ErrUnhealthy when they are not within the health timeout).
func (t *Target) resize(ctx context.Context, cl *kubex.Client, req targets.Request, n int32, mode int) error {
	ns, name := t.namespaceOf(req), DeploymentName(req.Image.Name, req.Release.Version)
	d, err := t.deployment(ctx, cl, ns, name)
	switch {
	case err != nil:
		return err
	case d == nil:
		return fmt.Errorf("the canary's Deployment %s/%s is gone: abort it with `bake abort %s --env %s`", ns, name, req.Image.Name, req.Env)
	}
	cur := int32(1)
	if d.Spec.Replicas != nil {
		cur = *d.Spec.Replicas
	}
	if cur == n || (mode == atLeast && cur > n) {
		// Its pods may have stopped being ready since the step before:
		// the share would be less than said, and the last step would send
		// every request to pods that do not answer.
		if ok, _, err := settled(d); ok && err == nil {
			return nil
		}
		_, err = t.waitSettled(ctx, cl, req, d)
		return err
	}
	if err := t.scale(ctx, cl, ns, name, n); err != nil {
		return err
	}
	if d, err = t.deployment(ctx, cl, ns, name); err != nil {
		return err
	}
	if d == nil {
		return fmt.Errorf("the canary's Deployment %s/%s was deleted while bake scaled it", ns, name)
	}
	_, err = t.waitSettled(ctx, cl, req, d)
	return err
}
