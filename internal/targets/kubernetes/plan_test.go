package kubernetes

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/targets"
)

// change returns the plan's change of the object kind/name.
func change(t *testing.T, p targets.Plan, kind, name string) targets.Change {
	t.Helper()
	for _, c := range p.Changes {
		if c.Kind == kind && c.Name == name {
			return c
		}
	}
	t.Fatalf("the plan has no change of %s %s: %+v", kind, name, p.Changes)
	return targets.Change{}
}

func TestPlanFirstPromoteCreates(t *testing.T) {
	s := newScene(t)
	p, err := s.target.Plan(s.ctx, s.request("1.2.0"), "")
	require.NoError(t, err)
	assert.Equal(t, 2, p.Start)
	assert.Equal(t, targets.ActionCreate, change(t, p, "Namespace", s.namespace).Action)
	d := change(t, p, "Deployment", "web-v1-2-0")
	assert.Equal(t, targets.ActionCreate, d.Action)
	assert.Contains(t, d.Diff, "+replicas: 2")
	assert.Contains(t, d.Diff, "+    - image: "+s.release("1.2.0").Reference)
	svc := change(t, p, "Service", "web")
	assert.Equal(t, targets.ActionCreate, svc.Action)
	assert.Contains(t, svc.Diff, "+  bake.dev/version: 1.2.0")
	assert.Equal(t, "create namespace "+s.namespace, p.Steps[0])

	_, err = s.cs.CoreV1().Namespaces().Get(s.ctx, s.namespace, metav1.GetOptions{})
	assert.True(t, isNotFound(err), "a plan creates nothing: %v", err)
}

func TestPlanNextPromoteAndRollback(t *testing.T) {
	s := newScene(t)
	s.deploy("1.1.0", "op-a", 2)
	s.point("1.1.0")

	p, err := s.target.Plan(s.ctx, s.request("1.2.0"), "1.1.0")
	require.NoError(t, err)
	assert.Equal(t, targets.ActionKeep, change(t, p, "Namespace", s.namespace).Action)
	d := change(t, p, "Deployment", "web-v1-2-0")
	assert.Equal(t, targets.ActionCreate, d.Action, "from a server-side dry run: its defaults show")
	assert.Contains(t, d.Diff, "+progressDeadlineSeconds: 600")
	svc := change(t, p, "Service", "web")
	assert.Equal(t, targets.ActionUpdate, svc.Action)
	assert.Contains(t, svc.Diff, "-  bake.dev/version: 1.1.0\n+  bake.dev/version: 1.2.0\n")
	assert.Equal(t, targets.ActionKeep, change(t, p, "Deployment", "web-v1-1-0").Action, "kept warm")
	assert.Equal(t, []string{"web-v1-1-0"}, p.Warm)
	_, err = s.cs.AppsV1().Deployments(s.namespace).Get(s.ctx, "web-v1-2-0", metav1.GetOptions{})
	assert.True(t, isNotFound(err), "a plan creates nothing: %v", err)

	// The promote ran: a rollback to the warm release keeps its Deployment
	// and only moves the Service.
	s.deploy("1.2.0", "op-b", 2)
	s.point("1.2.0")
	p, err = s.target.Plan(s.ctx, s.request("1.1.0"), "1.2.0")
	require.NoError(t, err)
	assert.Equal(t, []string{"web-v1-1-0"}, p.Reuse)
	assert.Equal(t, 0, p.Start)
	assert.Equal(t, targets.ActionKeep, change(t, p, "Deployment", "web-v1-1-0").Action)
	assert.Empty(t, change(t, p, "Deployment", "web-v1-1-0").Diff)
	svc = change(t, p, "Service", "web")
	assert.Equal(t, targets.ActionUpdate, svc.Action)
	assert.Contains(t, svc.Diff, "-  bake.dev/version: 1.2.0\n+  bake.dev/version: 1.1.0\n")
	assert.Equal(t, targets.ActionKeep, change(t, p, "Deployment", "web-v1-2-0").Action)
	assert.Contains(t, p.Steps, "use Deployment web-v1-1-0, kept warm")

	// Kept stopped instead, it is scaled back up.
	require.NoError(t, s.target.scale(s.ctx, s.cl(), s.namespace, "web-v1-1-0", 0))
	p, err = s.target.Plan(s.ctx, s.request("1.1.0"), "1.2.0")
	require.NoError(t, err)
	assert.Equal(t, []string{"web-v1-1-0"}, p.Restart)
	d = change(t, p, "Deployment", "web-v1-1-0")
	assert.Equal(t, targets.ActionScale, d.Action)
	assert.Contains(t, d.Diff, "-replicas: 0\n+replicas: 2\n")
}

// Under rolling, the plan updates the one rolling Deployment in place and
// deletes the per-release ones an earlier strategy left.
func TestPlanRolling(t *testing.T) {
	s := newScene(t)
	s.deploy("1.1.0", "op-a", 2)
	s.point("1.1.0")
	s.tgt.Strategy = config.Rolling
	p, err := s.target.Plan(s.ctx, s.request("1.2.0"), "1.1.0")
	require.NoError(t, err)
	assert.Equal(t, config.Rolling, p.Strategy)
	d := change(t, p, "Deployment", "web")
	assert.Equal(t, targets.ActionCreate, d.Action)
	assert.Contains(t, d.Diff, "bake.dev/rolling: \"true\"")
	svc := change(t, p, "Service", "web")
	assert.Equal(t, targets.ActionUpdate, svc.Action)
	assert.Contains(t, svc.Diff, "-  bake.dev/per-release: \"true\"")
	assert.Contains(t, svc.Diff, "+  bake.dev/rolling: \"true\"")
	assert.Equal(t, targets.ActionDelete, change(t, p, "Deployment", "web-v1-1-0").Action)
	assert.Equal(t, []string{"web-v1-1-0"}, p.Remove)
}

// TestPlanCanaryFirstStep: the Deployment a canary's plan shows has the
// first step's pods, as StartCanary applies it, not the target's size.
func TestPlanCanaryFirstStep(t *testing.T) {
	s := newScene(t)
	s.deploy("1.1.0", "op-a", 2)
	s.point("1.1.0")
	tgt := *s.tgt
	tgt.Strategy = config.Canary
	tgt.Steps = []config.CanaryStep{{Weight: 10}, {Weight: 50}}
	req := s.request("1.2.0")
	req.Target = &tgt
	p, err := s.target.Plan(s.ctx, req, "1.1.0")
	require.NoError(t, err)
	d := change(t, p, "Deployment", "web-v1-2-0")
	assert.Contains(t, d.Diff, "+replicas: 1\n")
	assert.NotContains(t, d.Diff, "replicas: 2")
	assert.Equal(t, 1, p.Start)
}
