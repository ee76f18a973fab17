package ledger_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/sqlite"
)

func TestSQLiteChainFindsTampering(t *testing.T) {
	runTamperSuite(t, func(t *testing.T) (ledger.Store, tamperer) {
		path := filepath.Join(t.TempDir(), "ledger.db")
		s, err := sqlite.Open(t.Context(), path)
		require.NoError(t, err)
		t.Cleanup(func() { _ = s.Close() })
		return s, sqliteTamperer{rawDB(t, path)}
	})
}

// sqliteTamperer edits the database file with plain SQL, dropping the
// triggers that refuse changes to history first, as anyone with the file can.
type sqliteTamperer struct{ db *sql.DB }

func (tm sqliteTamperer) exec(t *testing.T, stmts ...string) {
	t.Helper()
	for _, stmt := range stmts {
		_, err := tm.db.ExecContext(t.Context(), stmt)
		require.NoError(t, err, stmt)
	}
}

func (tm sqliteTamperer) editReleaseDigest(t *testing.T, image, version, digest string) {
	_, err := tm.db.ExecContext(t.Context(), `UPDATE releases SET digest = ? WHERE image = ? AND version = ?`, digest, image, version)
	require.NoError(t, err)
}

func (tm sqliteTamperer) deleteDeployment(t *testing.T, d ledger.Deployment) {
	tm.exec(t, `DROP TRIGGER IF EXISTS deployments_no_delete`)
	_, err := tm.db.ExecContext(t.Context(), `DELETE FROM deployments WHERE id = ?`, d.ID)
	require.NoError(t, err)
}

func (tm sqliteTamperer) editApprover(t *testing.T, image, version string, index int, by string) {
	tm.exec(t, `DROP TRIGGER IF EXISTS approvals_no_update`)
	_, err := tm.db.ExecContext(t.Context(), `UPDATE approvals SET by_user = ? WHERE rowid = (
		SELECT rowid FROM approvals WHERE image = ? AND version = ? ORDER BY rowid LIMIT 1 OFFSET ?)`,
		by, image, version, index)
	require.NoError(t, err)
}

func (tm sqliteTamperer) deleteLastLink(t *testing.T) {
	tm.exec(t, `DROP TRIGGER IF EXISTS chain_no_delete`,
		`DELETE FROM chain WHERE seq = (SELECT max(seq) FROM chain)`)
}
