package kubernetes

import (
	"context"
	"fmt"
	"maps"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/kubex"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/targets"
)

// Recover converges an image in an environment after an interrupted
// deployment, so that the Service selects exactly one release. With
// rec.Finish, a Service that already selects rec.Release, whose
// Deployment is settled on its digest, stays: the interruption came after
// the switch. Otherwise, unless it still selects rec.Recorded alone,
// settled, the Service goes back to rec.Recorded as Deploy does it (its warm Deployment as it is, a stopped one scaled up, a
// removed one applied again from the record, then one apply of the
// Service). Then the Deployments the interrupted run created that do not
// serve are deleted, and Retire deals with the rest as retention says.
func (t *Target) Recover(ctx context.Context, rec targets.Recovery) (targets.Recovered, error) {
	cl, err := t.client(ctx, rec.Target)
	if err != nil {
		return targets.Recovered{}, err
	}
	if rec.Finish {
		s, err := t.read(ctx, cl.Clientset, rec.Request)
		if err != nil {
			return targets.Recovered{}, err
		}
		if ok, why := t.servesOnly(s, rec.Request); ok {
			if err := t.settle(ctx, cl, rec.Request, rec.Operation, rec.Previous); err != nil {
				return targets.Recovered{}, err
			}
			return targets.Recovered{Finished: true, Serves: rec.Release.Version}, nil
		} else if why != "" {
			t.say("not keeping %s@%s: %s", rec.Image.Name, rec.Release.Version, why)
		}
	}
	if rec.Recorded == nil {
		return targets.Recovered{}, t.clear(ctx, cl, rec)
	}
	canary, err := t.canaryLeft(ctx, cl, rec)
	if err != nil {
		return targets.Recovered{}, err
	}
	back := rec.Request
	back.Release = *rec.Recorded
	if rec.Target.Strategy == config.Canary {
		// Every pod of the recorded release is available before one switch.
		tgt := *rec.Target
		tgt.Strategy = config.BlueGreen
		back.Target = &tgt
	}
	// A Service that still selects the recorded release alone, settled,
	// is left as it is: recovering converges traffic, it does not apply
	// bake.yaml's newer settings to the release that serves.
	s, err := t.read(ctx, cl.Clientset, back)
	if err != nil {
		return targets.Recovered{}, err
	}
	if ok, _ := t.servesOnly(s, back); !ok {
		if _, err := t.Deploy(ctx, back); err != nil {
			return targets.Recovered{}, fmt.Errorf("pointing the Service back at %s@%s: %w", back.Image.Name, back.Release.Version, err)
		}
	}
	if err := t.dropCanary(ctx, cl, rec, canary); err != nil {
		return targets.Recovered{}, err
	}
	if err := t.settle(ctx, cl, back, rec.Operation, rec.RecordedPrevious); err != nil {
		return targets.Recovered{}, err
	}
	return targets.Recovered{Serves: back.Release.Version}, nil
}

// servesOnly reports whether the Service selects req's release and nothing
// else, and its Deployment is settled at the target's size on the
// release's digest; if the Service selects it but it is not, it says why.
func (t *Target) servesOnly(s snapshot, req targets.Request) (bool, string) {
	want, name := ServiceSelector(t.project, req.Env, req.Image.Name, req.Release.Version), DeploymentName(req.Image.Name, req.Release.Version)
	if req.Target.Strategy == config.Rolling {
		want, name = RollingSelector(t.project, req.Env, req.Image.Name), RollingName(req.Image.Name)
	}
	if s.service == nil || !maps.Equal(s.service.Spec.Selector, want) {
		return false, ""
	}
	d := s.deployment(name)
	switch {
	case d == nil:
		return false, fmt.Sprintf("service %s selects it, but its deployment %s does not exist", s.serviceName, name)
	case d.Annotations[AnnotationDigest] != req.Release.Digest || versionOf(d) != req.Release.Version:
		return false, fmt.Sprintf("deployment %s runs %s, not %s", name, versionOf(d), req.Release.Version)
	}
	if ok, why := settledTo(d, replicasOf(req)); !ok {
		return false, fmt.Sprintf("deployment %s is not settled: %s", name, why)
	}
	return true, ""
}

// settle deletes the Deployments operation created, but for the one
// serving req's release, and retires the rest.
func (t *Target) settle(ctx context.Context, cl *kubex.Client, req targets.Request, operation, previous string) error {
	if err := t.dropCreated(ctx, cl, req, operation); err != nil {
		return err
	}
	return t.Retire(ctx, req, previous)
}

// dropCreated deletes the Deployments operation created that do not
// serve req's release ("" for none: every one of them).
func (t *Target) dropCreated(ctx context.Context, cl *kubex.Client, req targets.Request, operation string) error {
	if operation == "" {
		return nil
	}
	s, err := t.read(ctx, cl.Clientset, req)
	if err != nil {
		return err
	}
	serving := ""
	if req.Release.Version != "" {
		serving = DeploymentName(req.Image.Name, req.Release.Version)
		if req.Target.Strategy == config.Rolling {
			serving = RollingName(req.Image.Name)
		}
	}
	for i := range s.deployments {
		d := &s.deployments[i]
		if d.Name == serving || d.Labels[LabelOperation] != operation || d.DeletionTimestamp != nil {
			continue
		}
		if err := t.deleteDeployment(ctx, cl, s.namespace, d.Name); err != nil {
			return err
		}
		t.step(progress.Retired, "deleted Deployment %s (%s), left by the interrupted run", d.Name, versionOf(d))
	}
	return nil
}

// clear undoes an interrupted first deployment, when nothing is recorded
// to go back to: the Deployments the interrupted run created are deleted,
// and a Service selecting the release it brought in is deleted too.
func (t *Target) clear(ctx context.Context, cl *kubex.Client, rec targets.Recovery) error {
	none := rec.Request
	none.Release.Version = ""
	if err := t.dropCreated(ctx, cl, none, rec.Operation); err != nil {
		return err
	}
	s, err := t.read(ctx, cl.Clientset, rec.Request)
	if err != nil || s.service == nil {
		return err
	}
	if s.service.Spec.Selector[LabelVersion] != rec.Release.Version && s.service.Spec.Selector[LabelRolling] != "true" {
		return nil
	}
	err = cl.Clientset.CoreV1().Services(s.namespace).Delete(ctx, s.serviceName, metav1.DeleteOptions{})
	if err != nil {
		return fmt.Errorf("deleting Service %s/%s: %w", s.namespace, s.serviceName, err)
	}
	t.step(progress.Retired, "deleted Service %s/%s: nothing is recorded to serve there", s.namespace, s.serviceName)
	return nil
}
