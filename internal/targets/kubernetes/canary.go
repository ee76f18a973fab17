package kubernetes

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/bakehq/bake/internal/analysis"
	"github.com/bakehq/bake/internal/kubex"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/steps"
	"github.com/bakehq/bake/internal/targets"
)

var _ targets.Canary = (*Target)(nil)

// A canary on Kubernetes: the canary's own Deployment (its release's, as
// blue-green would make it) starts beside the baseline's out of the
// Service; a step points the Service at the per-release pods of every
// release (sharedSelector) and sizes the canary so that its share of the
// ready pods is the step's weight as nearly as pods allow (canaryPods);
// the last step points the Service at the canary alone. The Service's
// annotation bake.dev/baseline names the release it served before the
// canary, for an Abort in any later run.

// StartCanary brings up req's release in a Deployment of its own beside
// the one the Service selects, with the pods of the first step, and waits
// until they are available; the Service, still on the baseline, is then
// marked with the baseline's version. A Deployment of req's release that
// runs already (a held canary resumed by a new run) is used as it is.
// When the pods do not become available, or the run is interrupted, a
// Deployment this call created is deleted (a kept one goes back to zero)
// and the Service is untouched.
func (t *Target) StartCanary(ctx context.Context, req targets.Request) ([]targets.Replica, error) {
	cl, err := t.client(ctx, req.Target)
	if err != nil {
		return nil, err
	}
	svc, err := t.service(ctx, cl, req)
	if err != nil {
		return nil, err
	}
	base, err := t.baselineOf(req, svc)
	if err != nil {
		return nil, err
	}
	ns, name := t.namespaceOf(req), DeploymentName(req.Image.Name, req.Release.Version)
	b, err := t.podsOf(ctx, cl, req, base)
	if err != nil {
		return nil, err
	}
	if b == 0 {
		return nil, fmt.Errorf("a canary of %s@%s in %q: Deployment %s of %s, which Service %s/%s selects, has no pods to share the requests with",
			req.Image.Name, req.Release.Version, req.Env, DeploymentName(req.Image.Name, base), base, svc.Namespace, svc.Name)
	}
	up := &stepDeployment{t: t, cl: cl, req: req, name: name, size: canaryPods(firstWeight(req), b)}
	cur, err := t.deployment(ctx, cl, ns, name)
	if err != nil {
		return nil, err
	}
	resumed := cur != nil && cur.Annotations[AnnotationDigest] == req.Release.Digest && cur.Spec.Replicas != nil && *cur.Spec.Replicas > 0
	var start multistep.Step = up
	if resumed {
		up.now = cur
		start = steps.Func(func(context.Context) error {
			t.step(progress.Started, "found Deployment %s of the canary (%d pod(s))", name, *cur.Spec.Replicas)
			return nil
		})
	}
	var ready []targets.Replica
	err = steps.Run(ctx,
		start,
		steps.Func(func(ctx context.Context) (err error) {
			ready, err = t.waitSettled(ctx, cl, req, up.now)
			return err
		}),
		steps.Func(func(ctx context.Context) error {
			if svc.Annotations[AnnotationBaseline] == base {
				return nil
			}
			return t.applyService(ctx, cl, req, svc.Spec.Selector, base)
		}),
	)
	if err != nil {
		return nil, err
	}
	return ready, nil
}

// firstWeight is the weight of req's first step: the canary starts with
// the pods it needs there.
func firstWeight(req targets.Request) int {
	if len(req.Target.Steps) == 0 {
		return 1
	}
	return req.Target.Steps[0].Weight
}

// Shift gives the canary weight percent of the Service's ready pods, as
// nearly as whole pods allow (the progress line says the share it has):
// the canary's Deployment is scaled and its pods available before the
// Service selects the pods of both releases, so its share is right from
// the first request. At 100 the Service selects the canary alone, at the
// target's size; the baseline keeps its pods until it is retired. At 0 the
// Service selects the baseline alone again.
func (t *Target) Shift(ctx context.Context, req targets.Request, _ []targets.Replica, weight int) error {
	release := req.Image.Name + "@" + req.Release.Version
	if weight < 0 || weight > 100 {
		return fmt.Errorf("shifting %s in %q to %d%%: want 0 to 100", release, req.Env, weight)
	}
	cl, err := t.client(ctx, req.Target)
	if err != nil {
		return err
	}
	svc, err := t.service(ctx, cl, req)
	if err != nil {
		return err
	}
	base, err := t.baselineOf(req, svc)
	if err != nil {
		return err
	}
	where := "Service " + t.namespaceOf(req) + "/" + serviceOf(req)
	switch weight {
	case 0:
		if err := t.applyService(ctx, cl, req, ServiceSelector(t.project, req.Env, req.Image.Name, base), base); err != nil {
			return err
		}
		t.step(progress.Switched, "%s selects %s@%s alone again", where, req.Image.Name, base)
		return nil
	case 100:
		n := replicasOf(req)
		if err := t.resize(ctx, cl, req, n, atLeast); err != nil {
			return err
		}
		if err := t.applyService(ctx, cl, req, ServiceSelector(t.project, req.Env, req.Image.Name, req.Release.Version), base); err != nil {
			return err
		}
		t.step(progress.Switched, "switched: %s selects %s alone (%d pods); %s keeps its pods out of it until it is retired", where, release, n, base)
		return t.resize(ctx, cl, req, n, exactly)
	}
	b, err := t.podsOf(ctx, cl, req, base)
	if err != nil {
		return err
	}
	if b == 0 {
		return fmt.Errorf("shifting %s in %q to %d%%: Deployment %s of %s has no pods to share the requests with",
			release, req.Env, weight, DeploymentName(req.Image.Name, base), base)
	}
	c := canaryPods(weight, b)
	if err := t.resize(ctx, cl, req, c, exactly); err != nil {
		return err
	}
	if err := t.stopOthers(ctx, cl, req, base); err != nil {
		return err
	}
	if !labels.Equals(svc.Spec.Selector, t.sharedSelector(req)) {
		if err := t.applyService(ctx, cl, req, t.sharedSelector(req), base); err != nil {
			return err
		}
	}
	t.say("sent %d%% of pods (%d of %d) behind %s to %s (the step asks %d%%), the other %d to %s@%s",
		podShare(c, b), c, c+b, where, release, weight, b, req.Image.Name, base)
	return nil
}

// sharedSelector selects the per-release pods of every release of req's
// image: the baseline's and the canary's during a canary.
func (t *Target) sharedSelector(req targets.Request) labels.Set {
	s := Selector(t.project, req.Env, req.Image.Name)
	s[LabelPerRelease] = "true"
	return s
}

// stopOthers scales to zero the per-release Deployments of req's image
// other than the baseline's and the canary's: the shared selector would
// send them requests too (a release kept warm). They stay kept, stopped.
func (t *Target) stopOthers(ctx context.Context, cl *kubex.Client, req targets.Request, base string) error {
	all, err := t.deployments(ctx, cl, req)
	if err != nil {
		return err
	}
	ns := t.namespaceOf(req)
	for _, d := range all {
		v := d.Labels[LabelVersion]
		if d.Labels[LabelPerRelease] != "true" || v == base || v == req.Release.Version || d.Spec.Replicas == nil || *d.Spec.Replicas == 0 {
			continue
		}
		if err := t.scale(ctx, cl, ns, d.Name, 0); err != nil {
			return err
		}
		t.step(progress.Retired, "scaled Deployment %s to zero (kept for rollback): the Service shares requests between every release's pods during a canary", d.Name)
	}
	return nil
}

// Abort points the Service back at the baseline its annotation names and
// deletes the canary's Deployment. A Service that selects neither the
// canary nor every release (the canary ended, or never got a share) is
// left as it is; a Deployment already gone is no error: it is safe to
// repeat.
func (t *Target) Abort(ctx context.Context, req targets.Request) error {
	cl, err := t.client(ctx, req.Target)
	if err != nil {
		return err
	}
	release := req.Image.Name + "@" + req.Release.Version
	ns, name := t.namespaceOf(req), DeploymentName(req.Image.Name, req.Release.Version)
	svc, err := t.service(ctx, cl, req)
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("aborting the canary of %s in %q: %w", release, req.Env, err)
	}
	if svc != nil && t.canarySelects(req, svc) {
		base := svc.Annotations[AnnotationBaseline]
		if base == "" || base == req.Release.Version {
			return fmt.Errorf("aborting the canary of %s in %q: Service %s/%s has no %s annotation naming the release it served before: point it at one with `bake rollback %s --env %s --to VERSION`",
				release, req.Env, ns, svc.Name, AnnotationBaseline, req.Image.Name, req.Env)
		}
		b, err := t.podsOf(ctx, cl, req, base)
		if err != nil {
			return fmt.Errorf("aborting the canary of %s in %q: %w", release, req.Env, err)
		}
		if b == 0 {
			return fmt.Errorf("aborting the canary of %s in %q: Deployment %s of %s, which served before it, has no pods to send the requests back to",
				release, req.Env, DeploymentName(req.Image.Name, base), base)
		}
		if err := t.applyService(ctx, cl, req, ServiceSelector(t.project, req.Env, req.Image.Name, base), ""); err != nil {
			return fmt.Errorf("aborting the canary of %s in %q: %w", release, req.Env, err)
		}
		t.step(progress.Switched, "sent every request behind Service %s/%s back to %s@%s (%d pods)", ns, svc.Name, req.Image.Name, base, b)
	}
	if err := t.deleteDeployment(ctx, cl, ns, name); err != nil {
		return fmt.Errorf("aborting the canary of %s in %q: %w; delete it with `kubectl -n %s delete deployment %s`", release, req.Env, err, ns, name)
	}
	t.step(progress.Retired, "deleted Deployment %s (the canary)", name)
	return nil
}

// canarySelects reports whether svc sends requests to req's canary: the
// pods of every release, or the canary's alone.
func (t *Target) canarySelects(req targets.Request, svc *corev1.Service) bool {
	sel := labels.Set(svc.Spec.Selector)
	return labels.Equals(sel, t.sharedSelector(req)) || sel[LabelVersion] == req.Release.Version
}

// Traffic cannot be read: a Service spreads requests over pods where
// nothing of bake's sees them. Prometheus queries judge the canary.
func (t *Target) Traffic(_ context.Context, req targets.Request, _ []targets.Replica, _ time.Time) (analysis.Sample, analysis.Sample, error) {
	return analysis.Sample{}, analysis.Sample{}, fmt.Errorf("Service %s/%s of %s in %q: %w",
		t.namespaceOf(req), serviceOf(req), req.Image.Name, req.Env, targets.ErrNoTraffic)
}
