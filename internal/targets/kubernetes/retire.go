package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/kubex"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/targets"
)

// deployments lists bake's Deployments of req's image in req's
// environment, of both kinds.
func (t *Target) deployments(ctx context.Context, cl *kubex.Client, req targets.Request) ([]appsv1.Deployment, error) {
	ns := t.namespaceOf(req)
	list, err := cl.Clientset.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{
		LabelSelector: Selector(t.project, req.Env, req.Image.Name).String()})
	if err != nil {
		return nil, fmt.Errorf("listing the Deployments of %s in %s: %w", req.Image.Name, ns, err)
	}
	return list.Items, nil
}

// createdAt is when bake created d.
func createdAt(d *appsv1.Deployment) time.Time {
	if at, err := time.Parse(time.RFC3339, d.Annotations[AnnotationCreatedAt]); err == nil {
		return at
	}
	return d.CreationTimestamp.Time
}

// Retire deals with every Deployment of the environment that does not
// serve req's release. Under blue-green, the replaced release's Deployment
// is kept warm (left running out of the Service), scaled to zero or
// deleted as req.Keep says, and older ones are scaled to zero while fewer
// than req.Releases are kept, and deleted beyond that (targets.Fates, the
// rule every target type follows); the rolling Deployment, if the
// environment used to roll, is deleted. Under rolling, every per-release
// Deployment is deleted: the rolling one holds the only release there is.
func (t *Target) Retire(ctx context.Context, req targets.Request, previousVersion string) error {
	cl, err := t.client(ctx, req.Target)
	if err != nil {
		return err
	}
	all, err := t.deployments(ctx, cl, req)
	if err != nil {
		return err
	}
	ns := t.namespaceOf(req)
	rolling := req.Target.Strategy == config.Rolling
	var kept []targets.Kept
	byName := map[string]*appsv1.Deployment{}
	var errs []error
	for i := range all {
		d := &all[i]
		if d.DeletionTimestamp != nil {
			continue
		}
		if isRolling := d.Labels[LabelRolling] == "true"; isRolling != rolling {
			if err := t.deleteDeployment(ctx, cl, ns, d.Name); err != nil {
				errs = append(errs, err)
				continue
			}
			t.step(progress.Retired, "deleted Deployment %s (%s): %s no longer uses it", d.Name, d.Labels[LabelVersion], req.Target.Strategy)
			continue
		}
		if !rolling {
			kept = append(kept, targets.Kept{Name: d.Name, Version: d.Labels[LabelVersion], Created: createdAt(d)})
			byName[d.Name] = d
		}
	}
	serving := DeploymentName(req.Image.Name, req.Release.Version)
	for _, f := range targets.Fates(kept, serving, req, previousVersion) {
		if err := t.retire(ctx, cl, ns, byName[f.Name], f.Fate); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (t *Target) retire(ctx context.Context, cl *kubex.Client, ns string, d *appsv1.Deployment, fate targets.Fate) error {
	replicas := int32(0)
	if d.Spec.Replicas != nil {
		replicas = *d.Spec.Replicas
	}
	switch fate {
	case targets.FateWarm:
		if replicas > 0 {
			t.step(progress.Retired, "kept Deployment %s running out of the Service (warm, %d pods)", d.Name, replicas)
		}
	case targets.FateStop:
		if replicas == 0 {
			return nil
		}
		if err := t.scale(ctx, cl, ns, d.Name, 0); err != nil {
			return err
		}
		t.step(progress.Retired, "scaled Deployment %s to zero (kept for rollback)", d.Name)
	case targets.FateRemove:
		if err := t.deleteDeployment(ctx, cl, ns, d.Name); err != nil {
			return err
		}
		t.step(progress.Retired, "deleted Deployment %s", d.Name)
	}
	return nil
}
