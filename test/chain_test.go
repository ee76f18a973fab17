package e2e

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"
)

type verifyDoc struct {
	OK       bool   `json:"ok"`
	Links    int    `json:"links"`
	Head     string `json:"head"`
	Problems []struct {
		Kind string `json:"kind"`
		Key  string `json:"key"`
		What string `json:"what"`
	} `json:"problems"`
}

func verifyLedger(t *testing.T, p *project, args ...string) (verifyDoc, result) {
	t.Helper()
	res := bake(t, p.Dir, append([]string{"verify", "-o", "json"}, args...)...)
	var v verifyDoc
	decodeOne(t, res.stdout, &v)
	return v, res
}

// tamper runs SQL against a project's ledger file behind bake's back, as
// anyone who can write the file could: the triggers that refuse changes to
// history are dropped first.
func tamper(t *testing.T, p *project, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(p.Dir, "ledger.db"))
	require.NoError(t, err)
	defer db.Close()
	for _, stmt := range append([]string{
		`DROP TRIGGER IF EXISTS deployments_no_update`,
		`DROP TRIGGER IF EXISTS deployments_no_delete`,
		`DROP TRIGGER IF EXISTS chain_no_delete`,
	}, stmts...) {
		_, err := db.Exec(stmt)
		require.NoError(t, err, stmt)
	}
}

// TestVerifyFindsTampering: after real releases, promotions, an approval
// and a rollback, `bake verify` passes; an edited deployment, a deleted one
// and history cut off at the end (with --expect) each make it exit 4 and
// name the record.
func TestVerifyFindsTampering(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	p.release(t, "1.1.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	requireApprovalIn(t, p, "dev")
	mustBake(t, p.Dir, "approve", "svc@1.1.0", "--env", "dev")
	mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")
	mustBake(t, p.Dir, "rollback", "svc", "--env", "dev", "--yes")

	res := mustBake(t, p.Dir, "verify")
	assert.Contains(t, res.stdout, "every one as recorded, chain unbroken")
	clean, _ := verifyLedger(t, p)
	require.True(t, clean.OK)
	// 2 releases, 3 deployments with their started records, 1 approval, 1 pin.
	assert.Equal(t, 2+6+1+1, clean.Links)
	require.Regexp(t, `^sha256:[0-9a-f]{64}$`, clean.Head)
	mustBake(t, p.Dir, "verify", "--expect", clean.Head)

	// The rollback's record says it went back to 1.0.0; make it say 1.1.0.
	tamper(t, p, `UPDATE deployments SET version = '1.1.0' WHERE id = (SELECT max(id) FROM deployments)`)
	v, res := verifyLedger(t, p)
	assert.Equal(t, 4, res.code, res.String())
	assert.False(t, v.OK)
	require.Len(t, v.Problems, 1)
	assert.Equal(t, "deployment", v.Problems[0].Kind)
	assert.Equal(t, "changed after it was recorded", v.Problems[0].What)
	lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
	require.Len(t, lines, 1, res.stderr)
	assert.Regexp(t, `^bake: tampered: ledger \S+ledger.db: history was changed outside bake: 1 problem\(s\), listed on stdout`, lines[0])

	res = bake(t, p.Dir, "verify")
	assert.Equal(t, 4, res.code)
	assert.Regexp(t, `TAMPERED  deployment \d+ \(link \d+\): changed after it was recorded`, res.stdout)

	// Deleting the first promotion's record is found as well.
	tamper(t, p, `DELETE FROM deployments WHERE id = (SELECT min(id) FROM deployments)`)
	v, _ = verifyLedger(t, p)
	require.Len(t, v.Problems, 2)
	assert.Equal(t, "recorded, but no longer in the ledger: it was deleted", v.Problems[0].What)
}

// TestVerifyExpectFindsHistoryCutOff: removing the newest record together
// with its link leaves a consistent chain, which only a head noted earlier
// exposes.
func TestVerifyExpectFindsHistoryCutOff(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	p.release(t, "1.1.0")
	head, _ := verifyLedger(t, p)
	require.True(t, head.OK)

	tamper(t, p,
		`DELETE FROM releases WHERE version = '1.1.0'`,
		`DELETE FROM chain WHERE seq = (SELECT max(seq) FROM chain)`)
	mustBake(t, p.Dir, "verify")
	v, res := verifyLedger(t, p, "--expect", head.Head)
	assert.Equal(t, 4, res.code, res.String())
	require.Len(t, v.Problems, 1)
	assert.Contains(t, v.Problems[0].What, "no longer holds "+head.Head)
}

// TestVerifyChecksSignatures: with signing.public_keys in bake.yaml, verify
// also checks every release's signature, so a changed release shows twice:
// against its link and against its signature.
func TestVerifyChecksSignatures(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0") // before signing was set up: unsigned, and not a problem
	mustBake(t, p.Dir, "keygen")
	p.writeSigning(t, signingWithKey)
	p.release(t, "1.1.0")

	res := mustBake(t, p.Dir, "verify")
	assert.Contains(t, res.stdout, "signatures: 1 verified, 1 unsigned, 0 by a key not in signing.public_keys")

	editRelease(t, p, "1.1.0", map[string]string{"status": "failed"})
	v, res := verifyLedger(t, p)
	assert.Equal(t, 4, res.code, res.String())
	require.Len(t, v.Problems, 2, res.stdout)
	assert.Equal(t, "changed after it was recorded", v.Problems[0].What)
	assert.Equal(t, "svc@1.1.0", v.Problems[1].Key)
	assert.Contains(t, v.Problems[1].What, "its signature does not match the record")
}
