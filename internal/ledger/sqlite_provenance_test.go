package ledger_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
)

func TestProvenanceAndAMIsRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	built := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	want := ledger.Release{
		Image: "web", Version: "1.0.0", Status: ledger.StatusValidated, CreatedAt: built.Add(time.Minute),
		AMIs: map[string]string{"us-east-1": "ami-1", "eu-west-1": "ami-2"},
		Provenance: ledger.Provenance{
			GitDirty: true, TemplateDigest: "sha256:t", Builder: "packer", BuilderVersion: "bake-builder/1",
			BuiltAt: built, BuildDuration: 7 * time.Second, ReusedFrom: "web@0.9.0",
		},
	}
	require.NoError(t, s.PutRelease(ctx, want))
	got, err := s.Release(ctx, "web", "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, want.AMIs, got.AMIs)
	assert.Equal(t, want.Provenance, got.Provenance)

	require.NoError(t, s.PutRelease(ctx, ledger.Release{Image: "web", Version: "1.0.1", Status: ledger.StatusFailed}))
	got, err = s.Release(ctx, "web", "1.0.1")
	require.NoError(t, err)
	assert.Nil(t, got.AMIs, "a release without AMIs reads back without them")
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
		`PRAGMA user_version = 1`,
	} {
		_, err := db.ExecContext(ctx, stmt)
		require.NoError(t, err, stmt)
	}
	require.NoError(t, db.Close())

	s, err := ledger.OpenSQLite(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	got, err := s.Release(ctx, "web", "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, "sha256:a", got.Digest)
	assert.Equal(t, ledger.Provenance{}, got.Provenance)
}
