package kubernetes

import (
	"context"

	"github.com/bakehq/bake/internal/kubex"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/targets"
)

// canaryLeft is the Deployment of the canary an interrupted run left, ""
// for none: rec.Release's, when the Service still shares requests with it
// (it selects every release's pods, or the canary's alone, and names the
// baseline the canary replaces), and its release is neither the recorded
// one nor the one that replaced, which are kept as retention says. A
// canary continued by `bake promote --continue` runs in the Deployment its
// first run created, labelled with that run's operation, not with the
// interrupted one's: so it is found by its release, as Abort finds it.
func (t *Target) canaryLeft(ctx context.Context, cl *kubex.Client, rec targets.Recovery) (string, error) {
	v := rec.Release.Version
	if v == "" || v == rec.Recorded.Version || v == rec.RecordedPrevious {
		return "", nil
	}
	s, err := t.read(ctx, cl.Clientset, rec.Request)
	if err != nil || s.service == nil {
		return "", err
	}
	base := s.service.Annotations[AnnotationBaseline]
	if base == "" || base == v || !t.canarySelects(rec.Request, s.service) {
		return "", nil
	}
	return DeploymentName(rec.Image.Name, v), nil
}

// dropCanary deletes the canary's Deployment name once the Service is back
// on another release, if it runs the canary's digest still.
func (t *Target) dropCanary(ctx context.Context, cl *kubex.Client, rec targets.Recovery, name string) error {
	if name == "" {
		return nil
	}
	ns := t.namespaceOf(rec.Request)
	d, err := t.deployment(ctx, cl, ns, name)
	if err != nil || d == nil || d.DeletionTimestamp != nil || d.Annotations[AnnotationDigest] != rec.Release.Digest {
		return err
	}
	if err := t.deleteDeployment(ctx, cl, ns, name); err != nil {
		return err
	}
	t.step(progress.Retired, "deleted Deployment %s (%s), the canary of the interrupted run", name, versionOf(d))
	return nil
}
