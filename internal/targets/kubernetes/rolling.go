package kubernetes

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	"github.com/bakehq/bake/internal/kubex"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/steps"
	"github.com/bakehq/bake/internal/targets"
)

// deployRolling brings req's release in with the Deployment controller's
// own rolling update: the one rolling Deployment of the image gets the
// release's pod template, and the controller replaces its pods one at a
// time, each new one ready before an old one goes (maxSurge 1,
// maxUnavailable 0). bake waits until the rollout is done within the
// health timeout, then points the Service at the rolling Deployment (it
// already does, unless the environment used blue-green before). If the
// rollout fails or ctx ends, the template that ran before is applied
// again, so the controller rolls back to it; a Deployment this run
// created is deleted.
func (t *Target) deployRolling(ctx context.Context, cl *kubex.Client, req targets.Request) ([]targets.Replica, error) {
	up := &stepRolling{t: t, cl: cl, req: req, name: RollingName(req.Image.Name)}
	var ready []targets.Replica
	err := steps.Run(ctx,
		up,
		steps.Func(func(ctx context.Context) (err error) {
			ready, err = t.waitSettled(ctx, cl, req, up.now)
			return err
		}),
		steps.Func(func(ctx context.Context) error {
			return t.switchTo(ctx, cl, req, RollingSelector(t.project, req.Env, req.Image.Name))
		}),
	)
	if err != nil {
		return nil, err
	}
	return ready, nil
}

// stepRolling applies the release's pod template to the rolling
// Deployment. Cleanup applies the one before again, or deletes the
// Deployment if Run created it.
type stepRolling struct {
	t    *Target
	cl   *kubex.Client
	req  targets.Request
	name string

	now    *appsv1.Deployment // as Run left it
	before *appsv1.Deployment // as Run found it; nil if there was none
}

func (st *stepRolling) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	if err := st.run(ctx); err != nil {
		if ctx.Err() != nil {
			err = targets.InterruptedWhile(ctx, "applying Deployment "+st.name)
		}
		return steps.Halt(state, err)
	}
	return multistep.ActionContinue
}

func (st *stepRolling) run(ctx context.Context) error {
	t, req := st.t, st.req
	ns := t.namespaceOf(req)
	before, err := st.cl.Clientset.AppsV1().Deployments(ns).Get(ctx, st.name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		before = nil
	case err != nil:
		return fmt.Errorf("reading Deployment %s/%s: %w", ns, st.name, err)
	}
	var meta *metav1.ObjectMeta
	if before != nil {
		meta = &before.ObjectMeta
	}
	obj, err := t.rollingFor(req, meta)
	if err != nil {
		return err
	}
	st.before = before
	if st.now, err = t.apply(ctx, st.cl, req, obj); err != nil {
		return err
	}
	if before == nil {
		t.step(progress.Started, "created Deployment %s/%s: %d x %s, updated one pod at a time", ns, st.name, replicasOf(req), req.Release.Reference)
	} else {
		t.step(progress.Started, "rolling Deployment %s from %s to %s, one pod at a time", st.name, before.Labels[LabelVersion], req.Release.Version)
	}
	return nil
}

func (st *stepRolling) Cleanup(state multistep.StateBag) {
	if !halted(state) || st.now == nil {
		return
	}
	t := st.t
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	ns := t.namespaceOf(st.req)
	if st.before == nil {
		if err := t.deleteDeployment(ctx, st.cl, ns, st.name); err != nil {
			t.say("warning: %v; delete it with `kubectl -n %s delete deployment %s`", err, ns, st.name)
		} else {
			t.step(progress.Retired, "deleted Deployment %s", st.name)
		}
		return
	}
	if err := st.restore(ctx); err != nil {
		t.say("warning: %v; roll it back with `kubectl -n %s rollout undo deployment %s`", err, ns, st.name)
		return
	}
	t.step(progress.Retired, "rolled Deployment %s back to %s", st.name, st.before.Labels[LabelVersion])
}

// restore applies the pod template, release and size the Deployment had
// before Run.
func (st *stepRolling) restore(ctx context.Context) error {
	b := st.before
	doc, err := json.Marshal(b.Spec.Template)
	if err != nil {
		return err
	}
	tpl := &corev1ac.PodTemplateSpecApplyConfiguration{}
	if err := json.Unmarshal(doc, tpl); err != nil {
		return err
	}
	prev := st.req
	prev.Release = ledger.Release{Image: st.req.Image.Name, Version: b.Labels[LabelVersion],
		Digest: b.Annotations[AnnotationDigest], Reference: b.Annotations[AnnotationReference]}
	target := *prev.Target
	if b.Spec.Replicas != nil {
		target.Replicas = int(*b.Spec.Replicas)
	}
	prev.Target = &target
	if _, err := st.t.apply(ctx, st.cl, prev, st.t.rollingWith(prev, &b.ObjectMeta, tpl)); err != nil {
		return fmt.Errorf("rolling Deployment %s back to %s: %w", b.Name, prev.Release.Version, err)
	}
	return nil
}
