package kubernetes

import (
	"context"
	"io"
	"sync"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/kubex"
	"github.com/bakehq/bake/internal/targets"
)

// Target deploys releases to the clusters bake.yaml's kubernetes targets
// name, one client per kubeconfig and context.
type Target struct {
	project   string
	operation string
	progress  io.Writer
	open      func(context.Context, kubex.Cluster) (*kubex.Client, error)

	mu      sync.Mutex
	clients map[kubex.Cluster]*kubex.Client
}

// New builds a kubernetes target from d's Project, Operation, Progress
// and Kubernetes.
func New(d targets.Deps) *Target {
	open := d.Kubernetes
	if open == nil {
		open = func(_ context.Context, c kubex.Cluster) (*kubex.Client, error) { return kubex.Open(c, nil) }
	}
	return &Target{project: d.Project, operation: d.Operation, progress: d.Progress, open: open, clients: map[kubex.Cluster]*kubex.Client{}}
}

// ClusterOf is the cluster a target's kubeconfig and context name.
func ClusterOf(tgt *config.Target) kubex.Cluster {
	return kubex.Cluster{Kubeconfig: tgt.Kubernetes.Kubeconfig, Context: tgt.Kubernetes.Context}
}

// client returns the client of tgt's cluster, opened once.
func (t *Target) client(ctx context.Context, tgt *config.Target) (*kubex.Client, error) {
	c := ClusterOf(tgt)
	t.mu.Lock()
	defer t.mu.Unlock()
	if cl, ok := t.clients[c]; ok {
		return cl, nil
	}
	cl, err := t.open(ctx, c)
	if err != nil {
		return nil, err
	}
	t.clients[c] = cl
	return cl, nil
}
