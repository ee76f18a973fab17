package ledger_test

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

// openStore opens a ledger in a fresh directory and closes it when the test ends.
func openStore(t *testing.T) *ledger.SQLite {
	t.Helper()
	s, err := ledger.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "state", "ledger.db"))
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, s.Close()) })
	return s
}

// release builds a validated release of image@version with distinct fields.
func release(image, version string) ledger.Release {
	return ledger.Release{
		Image:        image,
		Version:      version,
		Digest:       "sha256:" + version,
		Reference:    "127.0.0.1:5000/" + image + "@sha256:" + version,
		InputsDigest: "sha256:inputs-" + version,
		Status:       ledger.StatusValidated,
		CreatedAt:    time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		CreatedBy:    "ci",
	}
}

func TestOpenSQLiteCreatesDirAndReopens(t *testing.T) {
	ctx := t.Context()
	// Characters that mean something in a URI must still name a plain file.
	path := filepath.Join(t.TempDir(), "a b%20#?c", "d", "ledger.db")

	s, err := ledger.OpenSQLite(ctx, path)
	require.NoError(t, err)
	require.NoError(t, s.PutRelease(ctx, release("web", "1.0.0")))
	require.NoError(t, s.Close())

	assert.FileExists(t, path)
	info, err := os.Stat(filepath.Dir(path))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o755), info.Mode().Perm())

	s, err = ledger.OpenSQLite(ctx, path)
	require.NoError(t, err)
	defer s.Close()
	got, err := s.Release(ctx, "web", "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, "1.0.0", got.Version)
	assert.Equal(t, path, s.Path())
}

func TestPutReleaseRoundTrip(t *testing.T) {
	ctx := t.Context()
	s := openStore(t)
	want := ledger.Release{
		Image:        "web",
		Version:      "1.4.0",
		Digest:       "sha256:aaaa",
		Reference:    "127.0.0.1:5000/web@sha256:aaaa",
		InputsDigest: "sha256:bbbb",
		Base:         "debian@1.0.0",
		GitCommit:    "0123456789abcdef",
		Status:       ledger.StatusValidated,
		Checks: []ledger.CheckResult{
			{Name: "http", Kind: "http", Passed: true, Detail: "GET / -> 200", Duration: 1500 * time.Millisecond},
			{Name: "port", Kind: "tcp", Passed: true, Detail: "8080 open", Duration: 3 * time.Nanosecond},
		},
		CreatedAt: time.Date(2025, 3, 1, 12, 1, 2, 123456789, time.FixedZone("CET", 3600)),
		CreatedBy: "ci-1234",
	}
	require.NoError(t, s.PutRelease(ctx, want))

	got, err := s.Release(ctx, "web", "1.4.0")
	require.NoError(t, err)
	assert.True(t, want.CreatedAt.Equal(got.CreatedAt), "created_at %s, want %s", got.CreatedAt, want.CreatedAt)
	assert.Equal(t, time.UTC, got.CreatedAt.Location())
	want.CreatedAt = want.CreatedAt.UTC()
	assert.Equal(t, want, got)
}

func TestPutReleaseDefaults(t *testing.T) {
	ctx := t.Context()
	s := openStore(t)
	r := release("web", "1.0.0")
	r.CreatedAt = time.Time{}
	before := time.Now()
	require.NoError(t, s.PutRelease(ctx, r))

	got, err := s.Release(ctx, "web", "1.0.0")
	require.NoError(t, err)
	assert.NotNil(t, got.Checks, "no checks reads back as an empty list, not null")
	assert.Empty(t, got.Checks)
	assert.False(t, got.CreatedAt.Before(before.Truncate(time.Second)))
}

func TestPutReleaseDuplicate(t *testing.T) {
	ctx := t.Context()
	s := openStore(t)
	require.NoError(t, s.PutRelease(ctx, release("web", "1.0.0")))

	dup := release("web", "1.0.0")
	dup.Digest = "sha256:other"
	err := s.PutRelease(ctx, dup)
	require.ErrorIs(t, err, ledger.ErrExists)
	assert.Contains(t, err.Error(), "web@1.0.0")

	got, err := s.Release(ctx, "web", "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, "sha256:1.0.0", got.Digest, "the first record stays")

	require.NoError(t, s.PutRelease(ctx, release("api", "1.0.0")), "same version of another image")
}

func TestPutReleaseRejectsInvalid(t *testing.T) {
	tests := []struct {
		name   string
		change func(*ledger.Release)
		want   string
	}{
		{name: "no image", change: func(r *ledger.Release) { r.Image = "" }, want: "image is empty"},
		{name: "not semver", change: func(r *ledger.Release) { r.Version = "1.2" }, want: `version "1.2" is not semver`},
		{name: "v prefix", change: func(r *ledger.Release) { r.Version = "v1.2.0" }, want: `version "v1.2.0" is not semver`},
		{name: "unknown status", change: func(r *ledger.Release) { r.Status = "ok" }, want: `status "ok"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t)
			r := release("web", "1.0.0")
			tt.change(&r)
			err := s.PutRelease(t.Context(), r)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestReleaseNotFound(t *testing.T) {
	ctx := t.Context()
	s := openStore(t)
	require.NoError(t, s.PutRelease(ctx, release("web", "1.0.0")))

	_, err := s.Release(ctx, "web", "2.0.0")
	require.ErrorIs(t, err, ledger.ErrNotFound)
	assert.Contains(t, err.Error(), "web@2.0.0")
	_, err = s.Release(ctx, "api", "1.0.0")
	require.ErrorIs(t, err, ledger.ErrNotFound)
}

func TestReleasesSemverOrder(t *testing.T) {
	ctx := t.Context()
	s := openStore(t)
	for _, v := range []string{"1.2.0-rc.1", "1.9.0", "0.1.0", "1.10.0", "1.2.0", "1.2.0-rc.2", "1.10.0-beta.1"} {
		require.NoError(t, s.PutRelease(ctx, release("web", v)))
	}
	require.NoError(t, s.PutRelease(ctx, release("api", "9.9.9")))

	rs, err := s.Releases(ctx, "web")
	require.NoError(t, err)
	var got []string
	for _, r := range rs {
		assert.Equal(t, "web", r.Image)
		got = append(got, r.Version)
	}
	assert.Equal(t, []string{"1.10.0", "1.10.0-beta.1", "1.9.0", "1.2.0", "1.2.0-rc.2", "1.2.0-rc.1", "0.1.0"}, got)

	rs, err = s.Releases(ctx, "nothing")
	require.NoError(t, err)
	assert.NotNil(t, rs)
	assert.Empty(t, rs)
}

func TestReleaseByInputs(t *testing.T) {
	ctx := t.Context()
	s := openStore(t)
	put := func(version, inputs, status string) {
		t.Helper()
		r := release("web", version)
		r.InputsDigest = inputs
		r.Status = status
		require.NoError(t, s.PutRelease(ctx, r))
	}
	put("1.2.0", "sha256:same", ledger.StatusValidated)
	put("1.10.0", "sha256:same", ledger.StatusValidated)
	put("1.11.0", "sha256:same", ledger.StatusFailed)
	put("1.12.0", "sha256:other", ledger.StatusValidated)
	put("1.0.0", "sha256:failed-only", ledger.StatusFailed)

	tests := []struct {
		name, image, inputs string
		want                string
	}{
		{name: "newest validated wins", image: "web", inputs: "sha256:same", want: "1.10.0"},
		{name: "other inputs", image: "web", inputs: "sha256:other", want: "1.12.0"},
		{name: "only failed", image: "web", inputs: "sha256:failed-only"},
		{name: "unknown inputs", image: "web", inputs: "sha256:none"},
		{name: "other image", image: "api", inputs: "sha256:same"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ReleaseByInputs(ctx, tt.image, tt.inputs)
			if tt.want == "" {
				require.ErrorIs(t, err, ledger.ErrNotFound)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.Version)
		})
	}
}

func TestOpenSQLiteRefusesNewerSchema(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, err := ledger.OpenSQLite(ctx, path)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	db := rawDB(t, path)
	_, err = db.ExecContext(ctx, `PRAGMA user_version = 999`)
	require.NoError(t, err)

	_, err = ledger.OpenSQLite(ctx, path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "schema version 999 is newer")
}

func TestOpenSQLiteHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := ledger.OpenSQLite(ctx, filepath.Join(t.TempDir(), "ledger.db"))
	require.ErrorIs(t, err, context.Canceled)
}
