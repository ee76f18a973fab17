package e2e

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSignedApprovals: with signing.approvers in bake.yaml, a name alone
// (BAKE_USER, or a row written into the ledger) approves nothing, nor does
// the key that signed the release in a protected environment; an
// approver's signed approval opens the gate.
func TestSignedApprovals(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	mustBake(t, p.Dir, "keygen") // ann's key, which also signs releases
	mustBake(t, p.Dir, "keygen", "--out", filepath.Join(p.Dir, "bob.key"))
	mustBake(t, p.Dir, "keygen", "--out", filepath.Join(p.Dir, "mallory.key"))
	p.writeSigning(t, "signing:\n  key: .bake/signing.key\n  approvers:\n"+
		"    - {name: ann, public_key: .bake/signing.key.pub}\n    - {name: bob, public_key: bob.key.pub}\n")
	setGates(t, p, "qa", "{approval: true}")
	data, err := os.ReadFile(p.ConfigPath())
	require.NoError(t, err)
	writeFile(t, p.ConfigPath(), strings.Replace(string(data), "  - name: qa\n", "  - name: qa\n    protected: true\n", 1))
	p.release(t, "1.0.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")

	res := bakeEnv(t, p.Dir, []string{"BAKE_USER=bob"}, "approve", "svc@1.0.0", "--env", "qa")
	assert.Equal(t, 2, res.code, res.String())
	assert.Contains(t, res.stderr, "bake.yaml takes only what signing.approvers sign")
	res = bake(t, p.Dir, "approve", "svc@1.0.0", "--env", "qa", "--key", filepath.Join(p.Dir, "mallory.key"))
	assert.Equal(t, 2, res.code, res.String())
	assert.Contains(t, res.stderr, "is not an approver's")

	// An approval row written straight into the ledger, as anyone who can
	// write the file could.
	db, err := sql.Open("sqlite", filepath.Join(p.Dir, "ledger.db"))
	require.NoError(t, err)
	_, err = db.Exec(`INSERT INTO approvals (image, version, env, by_user, at) VALUES ('svc', '1.0.0', 'qa', 'bob', '2026-01-01T00:00:00.000000000Z')`)
	require.NoError(t, err)
	require.NoError(t, db.Close())
	res = bake(t, p.Dir, "promote", "svc", "--from", "dev", "--to", "qa", "--yes")
	assert.Equal(t, 3, res.code, res.String())
	assert.Contains(t, res.stderr, "the approval by bob is not signed")

	res = bake(t, p.Dir, "approve", "svc@1.0.0", "--env", "qa", "--key", filepath.Join(p.Dir, ".bake", "signing.key"))
	assert.Equal(t, 3, res.code, res.String())
	assert.Contains(t, res.stderr, `ann approved with the key that signed svc@1.0.0, and "qa" is protected`)

	res = mustBake(t, p.Dir, "approve", "svc@1.0.0", "--env", "qa", "--key", filepath.Join(p.Dir, "bob.key"))
	assert.Contains(t, res.stdout, "bob approved svc@1.0.0 for qa")
	mustBake(t, p.Dir, "promote", "svc", "--from", "dev", "--to", "qa", "--yes")

	// Revoking, too, takes an approver's key.
	res = bakeEnv(t, p.Dir, []string{"BAKE_USER=bob"}, "revoke", "svc@1.0.0", "--reason", "leaks", "--yes")
	assert.Equal(t, 2, res.code, res.String())
	assert.Contains(t, res.stderr, "bake: revoke: bake.yaml takes only what signing.approvers sign")
	res = bake(t, p.Dir, "revoke", "svc@1.0.0", "--reason", "leaks", "--yes", "--key", filepath.Join(p.Dir, "mallory.key"))
	assert.Equal(t, 2, res.code, res.String())
	res = mustBake(t, p.Dir, "revoke", "svc@1.0.0", "--reason", "leaks", "--yes", "--key", filepath.Join(p.Dir, "bob.key"))
	assert.Contains(t, res.stdout, "bob revoked svc@1.0.0: leaks")
}
