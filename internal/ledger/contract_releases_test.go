package ledger_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/ledger"
)

var releaseContract = []contractTest{
	{"PutReleaseRoundTrip", testPutReleaseRoundTrip},
	{"PutReleaseDefaults", testPutReleaseDefaults},
	{"PutReleaseDuplicate", testPutReleaseDuplicate},
	{"PutReleaseRejectsInvalid", testPutReleaseRejectsInvalid},
	{"ReleaseNotFound", testReleaseNotFound},
	{"ReleasesSemverOrder", testReleasesSemverOrder},
	{"ReleaseByInputs", testReleaseByInputs},
	{"ProvenanceAndAMIsRoundTrip", testProvenanceAndAMIsRoundTrip},
	{"AnotherHandleSeesWrites", testAnotherHandleSeesWrites},
}

func testPutReleaseRoundTrip(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
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

func testPutReleaseDefaults(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
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

func testPutReleaseDuplicate(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
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

func testPutReleaseRejectsInvalid(t *testing.T, open func() ledger.Store) {
	s := open()
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
			r := release("web", "1.0.0")
			tt.change(&r)
			err := s.PutRelease(t.Context(), r)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	rs, err := s.Releases(t.Context(), "web")
	require.NoError(t, err)
	assert.Empty(t, rs, "nothing invalid was recorded")
}

func testReleaseNotFound(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
	require.NoError(t, s.PutRelease(ctx, release("web", "1.0.0")))

	_, err := s.Release(ctx, "web", "2.0.0")
	require.ErrorIs(t, err, ledger.ErrNotFound)
	assert.Contains(t, err.Error(), "web@2.0.0")
	_, err = s.Release(ctx, "api", "1.0.0")
	require.ErrorIs(t, err, ledger.ErrNotFound)
}

func testReleasesSemverOrder(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
	for _, v := range []string{"1.2.0-rc.1", "1.9.0", "0.1.0", "1.10.0", "1.2.0", "1.2.0-rc.2", "1.10.0-beta.1"} {
		require.NoError(t, s.PutRelease(ctx, release("web", v)))
	}
	require.NoError(t, s.PutRelease(ctx, release("api", "9.9.9")))
	require.NoError(t, s.PutRelease(ctx, release("web-api", "8.8.8")), "an image whose name extends another's")

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

func testReleaseByInputs(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
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

func testProvenanceAndAMIsRoundTrip(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	s := open()
	built := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	want := ledger.Release{
		Image: "web", Version: "1.0.0", Status: ledger.StatusValidated, CreatedAt: built.Add(time.Minute),
		AMIs: map[string]string{"us-east-1": "ami-1", "eu-west-1": "ami-2"},
		Provenance: ledger.Provenance{
			GitDirty: true, TemplateDigest: "sha256:t", Builder: "packer", BuilderVersion: "bake-builder/1",
			BuiltAt: built, BuildDuration: 7 * time.Second, ReusedFrom: "web@0.9.0",
			Platforms: []ledger.PlatformImage{{Platform: "linux/amd64", Digest: "sha256:a"}, {Platform: "linux/arm64", Digest: "sha256:b"}},
		},
		Checks:    []ledger.CheckResult{{Name: "up", Kind: "http", Passed: true, Detail: "200", Platform: "linux/arm64"}},
		Signature: "c2lnbmF0dXJl", SigningKey: "sha256:k",
	}
	require.NoError(t, s.PutRelease(ctx, want))
	got, err := s.Release(ctx, "web", "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, want.AMIs, got.AMIs)
	assert.Equal(t, want.Provenance, got.Provenance)
	assert.Equal(t, want.Checks, got.Checks, "each check keeps the platform it ran on")
	assert.Equal(t, want.Signature, got.Signature)
	assert.Equal(t, want.SigningKey, got.SigningKey)

	require.NoError(t, s.PutRelease(ctx, ledger.Release{Image: "web", Version: "1.0.1", Status: ledger.StatusFailed}))
	got, err = s.Release(ctx, "web", "1.0.1")
	require.NoError(t, err)
	assert.Nil(t, got.AMIs, "a release without AMIs reads back without them")
	assert.Equal(t, ledger.Provenance{}, got.Provenance)
}

func testAnotherHandleSeesWrites(t *testing.T, open func() ledger.Store) {
	ctx := t.Context()
	first := open()
	seedReleases(t, first, "web", "1.0.0")
	_, err := first.AppendDeployment(ctx, deployment("prod", "web", "1.0.0", 0))
	require.NoError(t, err)

	second := open()
	got, err := second.Release(ctx, "web", "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, "1.0.0", got.Version)
	cur, err := second.Current(ctx, "web", "prod")
	require.NoError(t, err)
	assert.Equal(t, "1.0.0", cur.Version)
	require.ErrorIs(t, second.PutRelease(ctx, release("web", "1.0.0")), ledger.ErrExists)
}
