package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/kubex"
	"github.com/bakehq/bake/internal/targets"
)

func init() {
	targets.Register(config.TargetKubernetes, func(_ context.Context, d targets.Deps) (targets.Target, error) {
		return New(d), nil
	})
}

var (
	_ targets.Target    = (*Target)(nil)
	_ targets.Checker   = (*Target)(nil)
	_ targets.Recoverer = (*Target)(nil)
)

// checkTimeout bounds the question Check asks the API server: one that
// does not answer within it is unreachable.
const checkTimeout = 10 * time.Second

// Serves says where tgt serves: its Service, in its cluster.
func (t *Target) Serves(tgt *config.Target) string {
	k := tgt.Kubernetes
	if k == nil {
		return "on Kubernetes"
	}
	where := "in the current context"
	if k.Context != "" {
		where = "in context " + k.Context
	} else if cl, err := t.client(context.Background(), tgt); err == nil {
		where = "in context " + cl.Context
	}
	return fmt.Sprintf("Service %s/%s %s", k.Namespace, k.Service, where)
}

// Check refuses, before anything changes or is recorded, a request whose
// cluster bake cannot use: a kubeconfig or context that does not work
// (an error wrapping kubex.ErrKubeconfig), an API server that does not
// answer (targets.ErrUnreachable), or a namespace or Service that is not
// bake's to change (checkOwnership). It asks the server its version, then
// reads the namespace and the Service: three calls at most.
func (t *Target) Check(ctx context.Context, req targets.Request) error {
	if req.Target == nil || req.Target.Kubernetes == nil {
		return fmt.Errorf("%s in %q has no kubernetes target settings", req.Image.Name, req.Env)
	}
	cl, err := t.client(ctx, req.Target)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	_, err = cl.Clientset.Discovery().RESTClient().Get().AbsPath("/version").Do(cctx).Raw()
	var status apierrors.APIStatus
	switch {
	case err == nil:
		return t.checkOwnership(cctx, cl, req)
	case ctx.Err() != nil:
		return targets.InterruptedWhile(ctx, "asking the Kubernetes API server "+cl.Server+" its version")
	case errors.As(err, &status):
		return fmt.Errorf("the Kubernetes API server %s (context %q) refused bake: %w; nothing changed", cl.Server, cl.Context, err)
	}
	return fmt.Errorf("the Kubernetes API server %s (context %q) is %w (%s): start the cluster, or correct the target's kubeconfig or context, then run the same command again; nothing changed",
		cl.Server, cl.Context, targets.ErrUnreachable, reason(err))
}

// reason says in a few words why no answer came.
func reason(err error) string {
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return "no answer within " + checkTimeout.String()
	}
	return kubex.Reason(err)
}
