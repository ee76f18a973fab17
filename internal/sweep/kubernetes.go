package sweep

import (
	"context"
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"

	"github.com/bakehq/bake/internal/kubex"
	kube "github.com/bakehq/bake/internal/targets/kubernetes"
)

// Deployment is a Kubernetes Deployment, the one resource sweep
// --kubernetes removes.
const Deployment Resource = "deployment"

// KubernetesSweeper finds and removes the Deployments that bake runs
// killed before they finished left in clusters: Deployments with bake's
// labels that no Service selects and whose release never succeeded in
// their environment. A Deployment a Service selects serves; one whose
// release succeeded there is kept for rollback (retention deals with it).
type KubernetesSweeper struct {
	Clusters []*kubex.Client
	// Known reports whether a bake run with this operation id is known to
	// have run (the run journal or the ledger names it); a leftover of
	// another is listed with LeftAlone and never removed. nil knows none.
	Known func(operation string) bool
	// Succeeded reports whether the ledger records a deployment of
	// image@version to env that succeeded.
	Succeeded func(image, env, version string) bool
	// Now is the clock ages are measured against; nil means time.Now.
	Now func() time.Time
}

// Find lists the Deployments sel selects in every cluster. It changes nothing.
func (s *KubernetesSweeper) Find(ctx context.Context, sel Selector) ([]Leftover, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	at := now()
	var out []Leftover
	for i, cl := range s.Clusters {
		found, err := s.findIn(ctx, i, cl, sel, at)
		if err != nil {
			return nil, cl.Err("looking for leftover Deployments", err)
		}
		out = append(out, found...)
	}
	return out, nil
}

// bakeSelector selects the Deployments bake made for sel.
func bakeSelector(sel Selector) (string, error) {
	req := func(key string, op selection.Operator, vals ...string) (labels.Requirement, error) {
		r, err := labels.NewRequirement(key, op, vals)
		if err != nil {
			return labels.Requirement{}, err
		}
		return *r, nil
	}
	var reqs []labels.Requirement
	for _, r := range []struct {
		key, value string
	}{{kube.LabelOperation, sel.Operation}, {kube.LabelProject, sel.Project}} {
		op, vals := selection.Equals, []string{r.value}
		if r.value == "" {
			op, vals = selection.Exists, nil
		}
		q, err := req(r.key, op, vals...)
		if err != nil {
			return "", fmt.Errorf("selecting by %s=%q: %w", r.key, r.value, err)
		}
		reqs = append(reqs, q)
	}
	return labels.NewSelector().Add(reqs...).String(), nil
}

func (s *KubernetesSweeper) findIn(ctx context.Context, cluster int, cl *kubex.Client, sel Selector, at time.Time) ([]Leftover, error) {
	ls, err := bakeSelector(sel)
	if err != nil {
		return nil, err
	}
	deps, err := cl.Clientset.AppsV1().Deployments(metav1.NamespaceAll).List(ctx, metav1.ListOptions{LabelSelector: ls})
	if err != nil {
		return nil, err
	}
	selectors := map[string][]labels.Selector{} // by namespace: what its Services select
	var out []Leftover
	for i := range deps.Items {
		d := &deps.Items[i]
		if d.DeletionTimestamp != nil {
			continue
		}
		created := d.CreationTimestamp.Time
		if t, err := time.Parse(time.RFC3339, d.Annotations[kube.AnnotationCreatedAt]); err == nil {
			created = t
		}
		if sel.Operation == "" && at.Sub(created) < sel.OlderThan {
			continue
		}
		l := d.Labels
		if s.Succeeded != nil && s.Succeeded(l[kube.LabelImage], l[kube.LabelEnv], l[kube.LabelVersion]) {
			continue
		}
		svcs, ok := selectors[d.Namespace]
		if !ok {
			if svcs, err = serviceSelectors(ctx, cl, d.Namespace); err != nil {
				return nil, err
			}
			selectors[d.Namespace] = svcs
		}
		if selectedBy(svcs, d) {
			continue
		}
		age := max(at.Sub(created), 0).Truncate(time.Second)
		lo := Leftover{Resource: Deployment, ID: fmt.Sprintf("%d/%s/%s", cluster, d.Namespace, d.Name),
			Name: d.Namespace + "/" + d.Name, Project: l[kube.LabelProject], Operation: l[kube.LabelOperation],
			Created: created.UTC(), Age: age, AgeSeconds: int64(age / time.Second)}
		if s.Known == nil || !s.Known(lo.Operation) {
			lo.LeftAlone = "no bake run known here created it (operation " + lo.Operation + " is in neither the run journal nor the ledger)"
		}
		out = append(out, lo)
	}
	return out, nil
}

// serviceSelectors are the selectors of the Services in namespace ns.
func serviceSelectors(ctx context.Context, cl *kubex.Client, ns string) ([]labels.Selector, error) {
	svcs, err := cl.Clientset.CoreV1().Services(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	var out []labels.Selector
	for _, svc := range svcs.Items {
		if len(svc.Spec.Selector) > 0 {
			out = append(out, labels.SelectorFromSet(svc.Spec.Selector))
		}
	}
	return out, nil
}

func selectedBy(selectors []labels.Selector, d *appsv1.Deployment) bool {
	for _, s := range selectors {
		if s.Matches(labels.Set(d.Spec.Template.Labels)) {
			return true
		}
	}
	return false
}

// Remove deletes the leftovers not left alone, marking each Removed or
// giving its Error; it goes on after a failure and returns an error
// naming how many failed.
func (s *KubernetesSweeper) Remove(ctx context.Context, found []Leftover) error {
	failed := 0
	bg := metav1.DeletePropagationBackground
	for i := range found {
		l := &found[i]
		if l.LeftAlone != "" || l.Resource != Deployment {
			continue
		}
		var cluster int
		var ns, name string
		if _, err := fmt.Sscanf(strings.ReplaceAll(l.ID, "/", " "), "%d %s %s", &cluster, &ns, &name); err != nil || cluster >= len(s.Clusters) {
			l.Error = fmt.Sprintf("not a Deployment this sweep found: %q", l.ID)
			failed++
			continue
		}
		err := s.Clusters[cluster].Clientset.AppsV1().Deployments(ns).Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &bg})
		if apierrors.IsNotFound(err) {
			err = nil
		}
		l.Removed, l.Error = err == nil, errText(s.Clusters[cluster].Err("deleting Deployment "+ns+"/"+name, err))
		if err != nil {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d leftover Deployments could not be removed (see above)", failed, len(found))
	}
	return nil
}
