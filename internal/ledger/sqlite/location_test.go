package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"testing"

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
