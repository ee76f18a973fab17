package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// requireApprovalIn adds an approval gate to env in the project's bake.yaml.
func requireApprovalIn(t *testing.T, p *project, env string) {
	t.Helper()
	setGates(t, p, env, "{approval: true}")
}

type planDoc struct {
	Allowed bool `json:"allowed"`
	Gates   []struct {
		Name   string `json:"name"`
		Passed bool   `json:"passed"`
	} `json:"gates"`
	Actions struct {
		Start int      `json:"start"`
		Stop  []string `json:"stop"`
	} `json:"actions"`
}

// TestGates: --plan names the gates and actions and changes nothing, an
// approval gate refuses until `bake approve`, and a revoked release is
// refused everywhere for good.
func TestGates(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	requireApprovalIn(t, p, "qa")
	p.release(t, "1.0.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	before := history(t, p, "")

	res := bake(t, p.Dir, "promote", "svc@1.0.0", "--to", "qa", "--plan", "-o", "json")
	assert.Equal(t, 3, res.code, res.String())
	var plan planDoc
	decodeOne(t, res.stdout, &plan)
	assert.False(t, plan.Allowed)
	assert.Equal(t, 2, plan.Actions.Start)
	unmet := []string{}
	for _, g := range plan.Gates {
		if !g.Passed {
			unmet = append(unmet, g.Name)
		}
	}
	assert.Equal(t, []string{"approval"}, unmet)
	assert.Equal(t, before, history(t, p, ""), "--plan changes nothing")

	res = bake(t, p.Dir, "promote", "svc", "--from", "dev", "--to", "qa")
	assert.Equal(t, 3, res.code, res.String())
	assert.Contains(t, res.stderr, "bake approve svc@1.0.0 --env qa")

	mustBake(t, p.Dir, "approve", "svc@1.0.0", "--env", "qa")
	mustBake(t, p.Dir, "promote", "svc", "--from", "dev", "--to", "qa")
	assertServes(t, p, "qa", "1.0.0")

	p.release(t, "1.1.0")
	mustBake(t, p.Dir, "revoke", "--yes", "svc@1.1.0", "--reason", "corrupts data")
	res = bake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")
	assert.Equal(t, 3, res.code, res.String())
	assert.Contains(t, res.stderr, "corrupts data")
	res = bake(t, p.Dir, "revoke", "--yes", "svc@1.1.0", "--reason", "twice")
	assert.Equal(t, 2, res.code, "a revocation is final and recorded once: %s", res.String())
	res = bake(t, p.Dir, "revoke", "--yes", "svc@1.1.0")
	assert.Equal(t, 2, res.code, "--reason is required: %s", res.String())

	// An environment still running a revoked release is called out.
	mustBake(t, p.Dir, "revoke", "--yes", "svc@1.0.0", "--reason", "bad certificate")
	res = mustBake(t, p.Dir, "status")
	assert.Contains(t, res.stderr, "warning: dev runs svc@1.0.0, which was revoked (bad certificate)")
	assert.Contains(t, res.stdout, "1.0.0 (REVOKED)")
}
