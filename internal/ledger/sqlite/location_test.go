package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
)

func TestOpenExistingSQLiteCreatesNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "state", "ledger.db")
	_, err := OpenExisting(ctx, path)
	require.ErrorIs(t, err, ledger.ErrNoLedger)
	assert.EqualError(t, err, "no ledger at "+path+" yet")
	assert.NoDirExists(t, filepath.Join(dir, "state"))

	s, err := Open(ctx, path)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	s, err = OpenExisting(ctx, path)
	require.NoError(t, err)
	require.NoError(t, s.Close())
}

func TestSQLitePathUnusable(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "file"), []byte("x"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "junk.db"), []byte("this is not a database, not at all, no"), 0o644))
	tests := []struct {
		path, reason string
	}{
		{filepath.Join(dir, "file", "ledger.db"), filepath.Join(dir, "file") + " is a file, not a directory"},
		{filepath.Join(dir, "file", "a", "b", "ledger.db"), filepath.Join(dir, "file") + " is a file, not a directory"},
		{dir, "is a directory, not a file"},
		{filepath.Join(dir, "junk.db"), "not a bake ledger"},
	}
	for _, tt := range tests {
		for _, open := range []func(context.Context, string) (*Store, error){Open, OpenExisting} {
			_, err := open(ctx, tt.path)
			require.ErrorIs(t, err, ledger.ErrUnusable, tt.path)
			assert.Contains(t, err.Error(), tt.reason)
		}
	}
}

// The ledger is its owner's alone: the directories bake creates for it are
// 0700 and the database, with its -wal and -shm files, 0600, whatever the
// umask; a ledger an older bake left readable by all is tightened.
func TestSQLiteLedgerIsPrivate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "state", "bake", "ledger.db")
	s, err := Open(ctx, path)
	require.NoError(t, err)
	require.NoError(t, s.PutRelease(ctx, ledger.Release{Image: "web", Version: "1.0.0", Digest: "sha256:1",
		Reference: "127.0.0.1:5000/web@sha256:1", InputsDigest: "sha256:i", Status: ledger.StatusValidated, CreatedAt: time.Now().UTC()}))
	modes := func() map[string]os.FileMode {
		out := map[string]os.FileMode{}
		for _, p := range []string{filepath.Join(dir, "state"), filepath.Join(dir, "state", "bake"), path, path + "-wal", path + "-shm"} {
			st, err := os.Stat(p)
			require.NoError(t, err)
			out[filepath.Base(p)] = st.Mode().Perm()
		}
		return out
	}
	want := map[string]os.FileMode{"state": 0o700, "bake": 0o700, "ledger.db": 0o600, "ledger.db-wal": 0o600, "ledger.db-shm": 0o600}
	assert.Equal(t, want, modes())

	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		require.NoError(t, os.Chmod(p, 0o644))
	}
	s2, err := Open(ctx, path)
	require.NoError(t, err)
	assert.Equal(t, want, modes())
	require.NoError(t, s2.Close())
	require.NoError(t, s.Close())
}
