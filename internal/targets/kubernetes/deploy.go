package kubernetes

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/kubex"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/steps"
	"github.com/bakehq/bake/internal/targets"
)

// cleanupTimeout bounds the undoing of a deployment that did not finish.
const cleanupTimeout = 2 * time.Minute

// Deploy brings req's release into traffic behind the environment's
// Service.
//
// Blue-green (and a canary's rollback or first release): the release's
// Deployment is applied (one kept from an earlier deployment is reused and
// scaled back up; one kept warm and available needs nothing), bake waits
// until every pod of it is available within the target's health timeout,
// and then one apply of the Service points its selector at it: the
// switch. If anything fails or ctx ends first, a Deployment this run
// created is deleted (a kept one goes back to its size) and the Service
// was never touched. Rolling updates the one rolling Deployment in place
// instead (see deployRolling).
func (t *Target) Deploy(ctx context.Context, req targets.Request) ([]targets.Replica, error) {
	cl, err := t.client(ctx, req.Target)
	if err != nil {
		return nil, err
	}
	if req.Target.Strategy == config.Rolling {
		return t.deployRolling(ctx, cl, req)
	}
	up := &stepDeployment{t: t, cl: cl, req: req, name: DeploymentName(req.Image.Name, req.Release.Version)}
	var ready []targets.Replica
	err = steps.Run(ctx,
		up,
		steps.Func(func(ctx context.Context) (err error) {
			ready, err = t.waitSettled(ctx, cl, req, up.now)
			return err
		}),
		steps.Func(func(ctx context.Context) error {
			return t.switchTo(ctx, cl, req, ServiceSelector(t.project, req.Env, req.Image.Name, req.Release.Version))
		}),
	)
	if err != nil {
		return nil, err
	}
	return ready, nil
}

// stepDeployment gives the release its Deployment of the target's size:
// a new one, or the one kept from an earlier deployment of the release.
// Cleanup undoes exactly that if the deployment does not finish.
type stepDeployment struct {
	t    *Target
	cl   *kubex.Client
	req  targets.Request
	name string
	// size is how many pods to give it; 0 for the target's replicas (a
	// canary starts with fewer).
	size int32

	now     *appsv1.Deployment // the Deployment as Run left it
	created bool               // Run created it
	resized *int32             // Run scaled up a kept one: its earlier size
}

func (st *stepDeployment) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	if err := st.run(ctx); err != nil {
		if ctx.Err() != nil {
			err = targets.InterruptedWhile(ctx, "applying Deployment "+st.name)
		}
		return steps.Halt(state, err)
	}
	return multistep.ActionContinue
}

func (st *stepDeployment) run(ctx context.Context) error {
	t, req := st.t, st.req
	ns := t.namespaceOf(req)
	deployments := st.cl.Clientset.AppsV1().Deployments(ns)
	kept, err := deployments.Get(ctx, st.name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		kept = nil
	case err != nil:
		return fmt.Errorf("reading Deployment %s/%s: %w", ns, st.name, err)
	}
	if kept != nil {
		if why := editedByHand(kept, req.Release.Reference); why != "" {
			if kept, err = st.remake(ctx, kept, why); err != nil {
				return err
			}
		}
	}
	if kept != nil && kept.Spec.Replicas != nil && *kept.Spec.Replicas == 0 {
		if kept, err = t.stoppedAtRest(ctx, st.cl, req, kept); err != nil {
			return err
		}
	}
	var meta *metav1.ObjectMeta
	if kept != nil {
		meta = &kept.ObjectMeta
	}
	obj, err := t.deploymentFor(req, meta)
	if err != nil {
		return err
	}
	obj.Spec.WithReplicas(st.replicas())
	if kept != nil && warm(kept, obj) {
		st.now = kept
		t.step(progress.Started, "reusing Deployment %s (kept warm, %d pods available)", st.name, kept.Status.AvailableReplicas)
		return nil
	}
	if st.now, err = t.apply(ctx, st.cl, req, obj); err != nil {
		return err
	}
	switch {
	case kept == nil:
		st.created = true
		t.step(progress.Started, "created Deployment %s/%s: %d x %s", ns, st.name, st.replicas(), req.Release.Reference)
	case kept.Spec.Replicas != nil && *kept.Spec.Replicas == 0:
		st.resized = kept.Spec.Replicas
		t.step(progress.Started, "scaling Deployment %s (kept for rollback) back up to %d", st.name, st.replicas())
	default:
		st.resized = kept.Spec.Replicas
		t.step(progress.Started, "applied Deployment %s (kept) again: %d x %s", st.name, st.replicas(), req.Release.Reference)
	}
	return nil
}

// replicas is the size the step gives the Deployment.
func (st *stepDeployment) replicas() int32 {
	if st.size > 0 {
		return st.size
	}
	return replicasOf(st.req)
}

// warm reports whether d, a kept Deployment of the release, has the pod
// template and size bake would apply (obj), still as bake applied it, and
// every pod available: it serves as it is, and applying it again would
// change nothing.
func warm(d *appsv1.Deployment, obj *appsv1ac.DeploymentApplyConfiguration) bool {
	if d.Annotations[AnnotationTemplate] != obj.Annotations[AnnotationTemplate] ||
		editedByHand(d, obj.Annotations[AnnotationReference]) != "" ||
		d.Spec.Replicas == nil || *d.Spec.Replicas != *obj.Spec.Replicas {
		return false
	}
	ok, _, err := settled(d)
	return ok && err == nil
}

func (st *stepDeployment) Cleanup(state multistep.StateBag) {
	if !halted(state) {
		return
	}
	t := st.t
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	ns := t.namespaceOf(st.req)
	switch {
	case st.created:
		if err := t.deleteDeployment(ctx, st.cl, ns, st.name); err != nil {
			t.say("warning: %v; delete it with `kubectl -n %s delete deployment %s`", err, ns, st.name)
		} else {
			t.step(progress.Retired, "deleted Deployment %s", st.name)
		}
	case st.resized != nil:
		if err := t.scale(ctx, st.cl, ns, st.name, *st.resized); err != nil {
			t.say("warning: %v", err)
		} else {
			t.step(progress.Retired, "scaled Deployment %s back to %d", st.name, *st.resized)
		}
	}
}

// apply applies a Deployment of req's namespace, creating the namespace
// first when it is missing (the first deployment there).
func (t *Target) apply(ctx context.Context, cl *kubex.Client, req targets.Request, obj *appsv1ac.DeploymentApplyConfiguration) (*appsv1.Deployment, error) {
	ns := t.namespaceOf(req)
	deployments := cl.Clientset.AppsV1().Deployments(ns)
	d, err := deployments.Apply(ctx, obj, applyOptions)
	if apierrors.IsNotFound(err) {
		if _, nerr := cl.Clientset.CoreV1().Namespaces().Apply(ctx, t.namespaceFor(req), applyOptions); nerr != nil {
			return nil, fmt.Errorf("creating namespace %s: %w", ns, nerr)
		}
		t.step(progress.Started, "created namespace %s", ns)
		d, err = deployments.Apply(ctx, obj, applyOptions)
	}
	if err != nil {
		return nil, fmt.Errorf("applying Deployment %s/%s: %w", ns, *obj.Name, err)
	}
	return d, nil
}

// switchTo points req's Service at the pods selector selects, creating it
// on the first deployment: one apply.
func (t *Target) switchTo(ctx context.Context, cl *kubex.Client, req targets.Request, selector labels.Set) error {
	svc := t.serviceFor(req, selector)
	if _, err := applyTakingBack(ctx, cl.Clientset, svc); err != nil {
		if ctx.Err() != nil {
			return targets.InterruptedWhile(ctx, "switching Service "+*svc.Name)
		}
		return fmt.Errorf("switching Service %s/%s to %s@%s: %w", *svc.Namespace, *svc.Name, req.Image.Name, req.Release.Version, err)
	}
	t.step(progress.Switched, "switched: Service %s/%s selects %s@%s", *svc.Namespace, *svc.Name, req.Image.Name, req.Release.Version)
	return nil
}

// scale sets a Deployment's replicas, leaving the rest of it as it is.
func (t *Target) scale(ctx context.Context, cl *kubex.Client, ns, name string, n int32) error {
	patch := fmt.Appendf(nil, `{"spec":{"replicas":%d}}`, n)
	_, err := cl.Clientset.AppsV1().Deployments(ns).Patch(ctx, name, types.MergePatchType, patch,
		metav1.PatchOptions{FieldManager: FieldManager})
	if err != nil {
		return fmt.Errorf("scaling Deployment %s/%s to %d: %w", ns, name, n, err)
	}
	return nil
}

// deleteDeployment deletes a Deployment; its pods go with it. One that is
// gone already is no error.
func (t *Target) deleteDeployment(ctx context.Context, cl *kubex.Client, ns, name string) error {
	bg := metav1.DeletePropagationBackground
	err := cl.Clientset.AppsV1().Deployments(ns).Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &bg})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting Deployment %s/%s: %w", ns, name, err)
	}
	return nil
}

// halted reports whether the steps stopped before the end (an error, or
// the context cancelled).
func halted(state multistep.StateBag) bool {
	_, h := state.GetOk(multistep.StateHalted)
	_, c := state.GetOk(multistep.StateCancelled)
	return h || c
}

func (t *Target) say(format string, args ...any) { progress.Say(t.progress, format, args...) }

// step writes a line that reports a step of the deployment.
func (t *Target) step(k progress.Kind, format string, args ...any) {
	progress.Stepf(t.progress, k, format, args...)
}
