package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// kubePlanDoc is the part of `bake promote --plan -o json` about the
// objects a kubernetes target would create or change.
type kubePlanDoc struct {
	Actions struct {
		Changes []struct {
			Kind   string `json:"kind"`
			Name   string `json:"name"`
			Action string `json:"action"`
			Diff   string `json:"diff"`
		} `json:"changes"`
	} `json:"actions"`
}

// TestKubernetesPlan: `bake promote --plan` shows each object the promote
// would apply, with create, update or scale and a diff of its spec, from
// server-side dry runs that leave the cluster and the ledger as they were.
func TestKubernetesPlan(t *testing.T) {
	t.Parallel()
	p := newKubeProject(t, kubeOptions{})
	p.release("1.0.0")
	p.release("1.1.0")

	// The first promote creates everything, the namespace first.
	res := p.mustBake("promote", "svc@1.0.0", "--to", "dev", "--plan")
	assert.Regexp(t, `(?m)^  create Namespace `+p.Namespaces["dev"]+`$`, res.stdout)
	assert.Regexp(t, `(?m)^  create Deployment svc-v1-0-0$`, res.stdout)
	assert.Regexp(t, `(?m)^  create Service svc$`, res.stdout)
	_, err := p.kube.CoreV1().Namespaces().Get(t.Context(), p.Namespaces["dev"], metav1GetOptions)
	assert.True(t, apierrors.IsNotFound(err), "a plan creates no namespace: %v", err)
	var doc kubePlanDoc
	decodeOne(t, p.mustBake("promote", "svc@1.0.0", "--to", "dev", "--plan", "-o", "json").stdout, &doc)
	actions := map[string]string{}
	for _, c := range doc.Actions.Changes {
		actions[c.Kind+" "+c.Name] = c.Action
	}
	assert.Equal(t, map[string]string{"Namespace " + p.Namespaces["dev"]: "create", "Deployment svc-v1-0-0": "create",
		"Service svc": "create"}, actions)
	assert.Empty(t, p.history("").Deployments, "a plan records nothing")

	// The next one creates the new Deployment, moves the Service's
	// selector and stops the old Deployment.
	p.mustBake("promote", "svc@1.0.0", "--to", "dev")
	before := p.deployment("dev", "1.0.0")
	res = p.mustBake("promote", "svc@1.1.0", "--to", "dev", "--plan")
	assert.Regexp(t, `(?m)^  keep Namespace `+p.Namespaces["dev"]+`$`, res.stdout)
	assert.Regexp(t, `(?m)^  create Deployment svc-v1-1-0$`, res.stdout)
	assert.Regexp(t, `(?m)^  update Service svc$`, res.stdout)
	assert.Regexp(t, `(?m)^  scale Deployment svc-v1-0-0$`, res.stdout)
	assert.Regexp(t, `(?m)^\s+-  bake.dev/version: 1.0.0\n\s+\+  bake.dev/version: 1.1.0$`, res.stdout)
	assert.Regexp(t, `(?m)^\s+-replicas: 2\n\s+\+replicas: 0$`, res.stdout)
	doc = kubePlanDoc{}
	decodeOne(t, p.mustBake("promote", "svc@1.1.0", "--to", "dev", "--plan", "-o", "json").stdout, &doc)
	actions = map[string]string{}
	for _, c := range doc.Actions.Changes {
		actions[c.Kind+" "+c.Name] = c.Action
		if c.Kind == "Service" {
			assert.Contains(t, c.Diff, `-  bake.dev/version: 1.0.0`)
			assert.Contains(t, c.Diff, `+  bake.dev/version: 1.1.0`)
		}
	}
	assert.Equal(t, "create", actions["Deployment svc-v1-1-0"])
	assert.Equal(t, "update", actions["Service svc"])
	assert.Equal(t, "scale", actions["Deployment svc-v1-0-0"])

	require.Equal(t, []string{"svc-v1-0-0"}, p.deployments("dev"), "a plan creates no Deployment")
	assert.Equal(t, before.Generation, p.deployment("dev", "1.0.0").Generation, "a plan changes no Deployment")
	p.assertSelects("dev", "1.0.0")
	assert.Len(t, p.history("").Deployments, 1, "a plan records nothing")
}
