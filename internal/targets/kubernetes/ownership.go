package kubernetes

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bakehq/bake/internal/kubex"
	"github.com/bakehq/bake/internal/targets"
)

// checkOwnership refuses req when its namespace or Service exists and is
// not bake's to change: a namespace another bake project labelled, or a
// Service bake did not create for req's image in req's environment.
// bake applies with force, so without this refusal its first apply would
// take such an object over silently. A namespace without bake's label
// was made by the team, for bake to use. One or two reads: the namespace,
// and the Service when the namespace exists.
func (t *Target) checkOwnership(ctx context.Context, cl *kubex.Client, req targets.Request) error {
	ns, svc := t.namespaceOf(req), serviceOf(req)
	live, err := cl.Clientset.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return nil // bake creates it, and the Service in it
	case apierrors.IsForbidden(err):
		// bake may run without permissions on namespaces when they are
		// made in advance (docs/kubernetes.md); the Service still tells.
	case err != nil:
		return cl.Err(fmt.Sprintf("reading namespace %s", ns), err)
	default:
		if p := live.Labels[LabelProject]; p != "" && p != t.project {
			return fmt.Errorf("namespace %s belongs to the bake project %q (label %s=%s), not to %q: set namespace: of %s in %q to another name",
				ns, p, LabelProject, p, t.project, req.Image.Name, req.Env)
		}
	}
	s, err := cl.Clientset.CoreV1().Services(ns).Get(ctx, svc, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return nil
	case err != nil:
		return cl.Err(fmt.Sprintf("reading Service %s/%s", ns, svc), err)
	}
	if why := notOurService(s, t.project, req.Env, req.Image.Name); why != "" {
		return fmt.Errorf("Service %s/%s exists and %s: set service: of %s in %q to another name, or delete it; nothing changed",
			ns, svc, why, req.Image.Name, req.Env)
	}
	return nil
}

// notOurService says why svc is not the Service bake made for image in
// env of project ("" when it is): its bake.dev/ labels are missing or
// name another project, environment or image.
func notOurService(svc *corev1.Service, project, env, image string) string {
	l := svc.Labels
	switch p := l[LabelProject]; {
	case p == "":
		return fmt.Sprintf("bake did not create it (no %s label)", LabelProject)
	case p != project:
		return fmt.Sprintf("belongs to the bake project %q (label %s=%s)", p, LabelProject, p)
	case l[LabelEnv] != env || l[LabelImage] != image:
		return fmt.Sprintf("serves %s in %q (labels %s=%s, %s=%s)", l[LabelImage], l[LabelEnv], LabelImage, l[LabelImage], LabelEnv, l[LabelEnv])
	}
	return ""
}
