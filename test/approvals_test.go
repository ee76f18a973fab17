package e2e

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// setGates sets env's gates in the project's bake.yaml.
func setGates(t *testing.T, p *project, env, gates string) {
	t.Helper()
	data, err := os.ReadFile(p.ConfigPath())
	require.NoError(t, err)
	from := "  - name: " + env + "\n"
	require.Contains(t, string(data), from)
	out := strings.Replace(string(data), from, from+"    gates: "+gates+"\n", 1)
	require.NoError(t, os.WriteFile(p.ConfigPath(), []byte(out), 0o644))
}

// TestRefusalNamesEveryGateAndApprovals: a refused promote names every
// unmet gate, the pin among them; approvals are shown by history and show;
// approve refuses what could never enter and records an approval once; a
// second revoke says who revoked it first.
func TestRefusalNamesEveryGateAndApprovals(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	p.release(t, "1.1.0")
	for _, v := range []string{"1.0.0", "1.1.0"} {
		mustBake(t, p.Dir, "promote", "svc@"+v, "--to", "dev")
		mustBake(t, p.Dir, "promote", "svc", "--from", "dev", "--to", "qa")
	}
	mustBake(t, p.Dir, "rollback", "svc", "--env", "qa", "--yes")
	setGates(t, p, "qa", "{approval: true, soak: 1h}")
	before := history(t, p, "")

	res := bake(t, p.Dir, "promote", "svc", "--from", "dev", "--to", "qa")
	assert.Equal(t, 3, res.code, res.String())
	for _, gate := range []string{"soak:", "approval:", "not pinned:"} {
		assert.Contains(t, res.stderr, gate, "the refusal names every unmet gate")
	}
	assert.Equal(t, before, history(t, p, ""), "a refusal records nothing")

	res = bake(t, p.Dir, "approve", "svc@1.1.0", "--env", "dev")
	assert.Equal(t, 2, res.code, res.String())
	assert.Contains(t, res.stderr, `"dev" has no approval gate`)

	mustBake(t, p.Dir, "approve", "svc@1.1.0", "--env", "qa")
	res = mustBake(t, p.Dir, "approve", "svc@1.1.0", "--env", "qa")
	assert.Contains(t, res.stdout, "already approved for qa, by e2e")
	var doc struct {
		Approvals []struct {
			Version, Env, By string
			At               time.Time
		} `json:"approvals"`
	}
	decodeOne(t, mustBake(t, p.Dir, "history", "svc", "-o", "json").stdout, &doc)
	require.Len(t, doc.Approvals, 1, "an approval is recorded once")
	assert.Equal(t, "qa", doc.Approvals[0].Env)
	assert.Equal(t, "e2e", doc.Approvals[0].By)
	assert.Regexp(t, `(?m)^APPROVED\s+FOR\s+BY\s+AT\nsvc@1\.1\.0\s+qa\s+e2e\s+\d`, mustBake(t, p.Dir, "history", "svc").stdout)
	assert.Regexp(t, `(?m)^approved for qa\s+by e2e at \d`, mustBake(t, p.Dir, "show", "svc@1.1.0").stdout)

	mustBake(t, p.Dir, "revoke", "svc@1.0.0", "--reason", "bad certificate", "--yes")
	res = bake(t, p.Dir, "approve", "svc@1.0.0", "--env", "qa")
	assert.Equal(t, 3, res.code, res.String())
	assert.Contains(t, res.stderr, "bad certificate")
	res = bake(t, p.Dir, "revoke", "svc@1.0.0", "--reason", "twice", "--yes")
	assert.Equal(t, 2, res.code, res.String())
	assert.Contains(t, res.stderr, "svc@1.0.0 is already revoked, by e2e at ")
	assert.Contains(t, res.stderr, "bad certificate")
}
