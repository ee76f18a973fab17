package ledger_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/sqlite"
)

func TestSQLiteContract(t *testing.T) {
	runStoreContract(t, func(t *testing.T) func() ledger.Store {
		path := filepath.Join(t.TempDir(), "state", "ledger.db")
		return func() ledger.Store { return openSQLiteAt(t, path) }
	})
}

// openSQLiteAt opens the ledger at path and closes it when the test ends.
func openSQLiteAt(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), path)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, s.Close()) })
	return s
}

// openSQLite opens a ledger in a fresh directory and closes it when the test ends.
func openSQLite(t *testing.T) *sqlite.Store {
	t.Helper()
	return openSQLiteAt(t, filepath.Join(t.TempDir(), "state", "ledger.db"))
}

// rawDB opens the ledger file directly, bypassing the Store, to prove what the
// schema itself refuses.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)")
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, db.Close()) })
	return db
}

func TestOpenSQLiteCreatesDirAndReopens(t *testing.T) {
	ctx := t.Context()
	// Characters that mean something in a URI must still name a plain file.
	path := filepath.Join(t.TempDir(), "a b%20#?c", "d", "ledger.db")

	s, err := sqlite.Open(ctx, path)
	require.NoError(t, err)
	require.NoError(t, s.PutRelease(ctx, release("web", "1.0.0")))
	require.NoError(t, s.Close())

	assert.FileExists(t, path)
	info, err := os.Stat(filepath.Dir(path))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), info.Mode().Perm(), "a directory bake creates for the ledger is its owner's alone")

	s, err = sqlite.Open(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	got, err := s.Release(ctx, "web", "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, "1.0.0", got.Version)
	assert.Equal(t, path, s.Path())
}

// The schema itself refuses to rewrite history, whoever writes to the file.
func TestSQLiteHistoryIsAppendOnly(t *testing.T) {
	ctx := t.Context()
	s := openSQLite(t)
	seedReleases(t, s, "web", "1.0.0")
	id, err := s.AppendDeployment(ctx, deployment("prod", "web", "1.0.0", 0))
	require.NoError(t, err)
	require.NoError(t, s.Approve(ctx, ledger.Approval{Image: "web", Version: "1.0.0", Env: "prod", By: "alice"}))
	require.NoError(t, s.Revoke(ctx, ledger.Revocation{Image: "web", Version: "1.0.0", Reason: "CVE-2026-1", By: "sec"}))
	require.NoError(t, s.SetPin(ctx, ledger.Pin{Image: "web", Env: "prod", Version: "1.0.0", Pinned: true, Reason: "rollback", By: "ops"}))

	db := rawDB(t, s.Path())
	for stmt, want := range map[string]string{
		`UPDATE deployments SET outcome = 'failed' WHERE id = ?`: "deployments are append-only",
		`DELETE FROM deployments WHERE id = ?`:                   "deployments are append-only",
		`UPDATE approvals SET by_user = 'mallory' WHERE ? > 0`:   "approvals are append-only",
		`DELETE FROM approvals WHERE ? > 0`:                      "approvals are append-only",
		`UPDATE revocations SET reason = 'oops' WHERE ? > 0`:     "revocations are final",
		`DELETE FROM revocations WHERE ? > 0`:                    "revocations are final",
		`UPDATE pins SET pinned = 0 WHERE ? > 0`:                 "pins are append-only",
		`DELETE FROM pins WHERE ? > 0`:                           "pins are append-only",
	} {
		_, err := db.ExecContext(ctx, stmt, id)
		require.Error(t, err, stmt)
		assert.Contains(t, err.Error(), want, stmt)
	}

	ds, err := s.Deployments(ctx, "web", "prod")
	require.NoError(t, err)
	require.Len(t, ds, 1)
	assert.Equal(t, ledger.OutcomeSucceeded, ds[0].Outcome)
}

// A ledger made by the first schema gains the new columns on open, keeping its rows.
func TestOpenSQLiteMigratesFirstSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.db")
	db, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	for _, stmt := range []string{
		`CREATE TABLE releases (image TEXT NOT NULL, version TEXT NOT NULL, digest TEXT NOT NULL, reference TEXT NOT NULL,
			inputs_digest TEXT NOT NULL, base TEXT NOT NULL DEFAULT '', git_commit TEXT NOT NULL DEFAULT '', status TEXT NOT NULL,
			checks TEXT NOT NULL DEFAULT '[]', created_at TEXT NOT NULL, created_by TEXT NOT NULL DEFAULT '', PRIMARY KEY (image, version))`,
		`INSERT INTO releases VALUES ('web', '1.0.0', 'sha256:a', 'r@sha256:a', 'sha256:i', '', '', 'validated', '[]', '2026-01-01T00:00:00.000000000Z', 'x')`,
		`CREATE TABLE deployments (id INTEGER PRIMARY KEY AUTOINCREMENT, env TEXT NOT NULL, image TEXT NOT NULL,
			version TEXT NOT NULL, digest TEXT NOT NULL, previous TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL,
			outcome TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', started_at TEXT NOT NULL, finished_at TEXT NOT NULL,
			by_user TEXT NOT NULL DEFAULT '', FOREIGN KEY (image, version) REFERENCES releases (image, version))`,
		`INSERT INTO deployments (env, image, version, digest, kind, outcome, started_at, finished_at, by_user)
			VALUES ('prod', 'web', '1.0.0', 'sha256:a', 'promote', 'succeeded', '2026-01-01T00:01:00.000000000Z', '2026-01-01T00:02:00.000000000Z', 'x')`,
		`CREATE TABLE locks (key TEXT PRIMARY KEY, holder TEXT NOT NULL, since TEXT NOT NULL, expires TEXT NOT NULL)`,
		`PRAGMA user_version = 1`,
	} {
		_, err := db.ExecContext(ctx, stmt)
		require.NoError(t, err, stmt)
	}
	require.NoError(t, db.Close())

	s, err := sqlite.Open(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	got, err := s.Release(ctx, "web", "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, "sha256:a", got.Digest)
	assert.Equal(t, ledger.Provenance{}, got.Provenance)

	// The records made before the hash chain existed are sealed into it.
	c, err := s.ReadChain(ctx)
	require.NoError(t, err)
	require.Len(t, c.Links, 2)
	assert.Equal(t, ledger.EntryRelease, c.Links[0].Kind)
	assert.Equal(t, ledger.EntryDeployment, c.Links[1].Kind)
	assert.True(t, ledger.Verify(c, "").OK(), "%v", ledger.Verify(c, "").Problems)
}

func TestOpenSQLiteRefusesNewerSchema(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, err := sqlite.Open(ctx, path)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	db := rawDB(t, path)
	_, err = db.ExecContext(ctx, `PRAGMA user_version = 999`)
	require.NoError(t, err)

	_, err = sqlite.Open(ctx, path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "schema version 999 is newer")
}

func TestOpenSQLiteHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"))
	require.ErrorIs(t, err, context.Canceled)
}
