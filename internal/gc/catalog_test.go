package gc

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
)

const repo = "127.0.0.1:5000/web/svc"

// testCatalog is project web with svc 1.0.0 (validated, pushed), 1.1.0
// (validated, pushed), 1.2.0 (reusing 1.1.0's artifact) and 1.3.0 (failed,
// never pushed); 1.1.0 and 1.2.0 are protected.
func testCatalog(t *testing.T) (*catalog, *Protection) {
	t.Helper()
	pushed := func(version, digest string) ledger.Release {
		return ledger.Release{Image: "svc", Version: version, Digest: digest, Reference: repo + "@" + digest, Status: ledger.StatusValidated}
	}
	h := History{Image: "svc", Releases: []ledger.Release{
		{Image: "svc", Version: "1.3.0", Status: ledger.StatusFailed},
		pushed("1.2.0", "sha256:b"), pushed("1.1.0", "sha256:b"), pushed("1.0.0", "sha256:a"),
	}}
	p := &config.Project{Name: "web", Registry: config.Registry{Address: "127.0.0.1:5000"}, Environments: envs(1)}
	prot := &Protection{digests: map[string]bool{"sha256:b": true}, releases: map[string]bool{"svc@1.2.0": true}}
	return newCatalog(p, []History{h}), prot
}

func labels(project, image, version string) map[string]string {
	return map[string]string{"dev.bake.project": project, "dev.bake.image": image, "dev.bake.version": version}
}

func TestLocalImage(t *testing.T) {
	cat, prot := testCatalog(t)
	tests := []struct {
		name          string
		tags, digests []string
		labels        map[string]string
		want          *Item
	}{
		{"an unprotected release, pushed", []string{repo + ":1.0.0"}, []string{repo + "@sha256:a"}, labels("web", "svc", "1.0.0"),
			&Item{Name: repo + ":1.0.0", Refs: []string{repo + ":1.0.0", repo + "@sha256:a"}, Digest: "sha256:a", Releases: []string{"svc@1.0.0"}}},
		{"pulled by digest only", nil, []string{repo + "@sha256:a"}, labels("web", "svc", "1.0.0"),
			&Item{Name: repo + "@sha256:a", Refs: []string{repo + "@sha256:a"}, Digest: "sha256:a", Releases: []string{"svc@1.0.0"}}},
		{"a failed release, never pushed", []string{repo + ":1.3.0"}, nil, labels("web", "svc", "1.3.0"),
			&Item{Name: repo + ":1.3.0", Refs: []string{repo + ":1.3.0"}, Releases: []string{"svc@1.3.0"}}},
		{"untagged", []string{"<none>:<none>"}, []string{"<none>@<none>"}, labels("web", "svc", "0.0.0-dev"),
			&Item{Name: "sha256:0123456789ab", Releases: []string{}}},
		{"a protected release", []string{repo + ":1.2.0"}, nil, labels("web", "svc", "1.2.0"), nil},
		{"a protected artifact under an unprotected version", []string{repo + ":1.1.0"}, []string{repo + "@sha256:b"}, labels("web", "svc", "1.1.0"), nil},
		{"one protected reference keeps the image", []string{repo + ":1.0.0"}, []string{repo + "@sha256:b"}, labels("web", "svc", "1.0.0"), nil},
		{"a build under an unrecorded version", []string{repo + ":0.0.0-dev"}, nil, labels("web", "svc", "0.0.0-dev"), nil},
		{"another name for it", []string{repo + ":1.0.0", "mine:latest"}, nil, labels("web", "svc", "1.0.0"), nil},
		{"an unrecorded digest", nil, []string{repo + "@sha256:c"}, labels("web", "svc", "1.0.0"), nil},
		{"an image no longer in bake.yaml", []string{"127.0.0.1:5000/web/old:1.0.0"}, nil, labels("web", "old", "1.0.0"), nil},
		{"another project", []string{repo + ":1.0.0"}, nil, labels("api", "svc", "1.0.0"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "sha256:0123456789abcdef"
			got, ok := cat.localImage(id, tt.tags, tt.digests, tt.labels, prot)
			if tt.want == nil {
				assert.False(t, ok, "%+v", got)
				return
			}
			require.True(t, ok)
			tt.want.Kind, tt.want.ID, tt.want.Image = Image, id, "svc"
			assert.Equal(t, *tt.want, got)
		})
	}
}

func TestReplica(t *testing.T) {
	cat, prot := testCatalog(t)
	replica := func(project, env, version, digest string) map[string]string {
		l := labels(project, "svc", version)
		l["dev.bake.env"], l["dev.bake.digest"], l["dev.bake.kind"] = env, digest, "replica"
		return l
	}
	got, ok := cat.replica("c1", "bake-web-dev-svc-1.0.0-x-1", replica("web", "dev", "1.0.0", "sha256:a"), prot)
	require.True(t, ok)
	assert.Equal(t, Item{Kind: Replica, Name: "bake-web-dev-svc-1.0.0-x-1", ID: "c1", Image: "svc", Env: "dev",
		Digest: "sha256:a", Releases: []string{"svc@1.0.0"}}, got)

	for name, l := range map[string]map[string]string{
		"protected artifact":           replica("web", "dev", "1.1.0", "sha256:b"),
		"protected release":            replica("web", "dev", "1.2.0", "sha256:x"),
		"environment not in bake.yaml": replica("web", "staging", "1.0.0", "sha256:a"),
		"no digest label":              replica("web", "dev", "1.0.0", ""),
		"another project":              replica("api", "dev", "1.0.0", "sha256:a"),
	} {
		_, ok := cat.replica("c2", "x", l, prot)
		assert.False(t, ok, name)
	}
}

func TestManifests(t *testing.T) {
	cat, prot := testCatalog(t)
	assert.Equal(t, []Item{{Kind: Manifest, Name: repo + "@sha256:a", Image: "svc", Digest: "sha256:a", Releases: []string{"svc@1.0.0"}}},
		cat.manifests(prot), "1.1.0 shares 1.2.0's protected artifact; 1.3.0 was never pushed")

	cat.releases = append(cat.releases,
		ledger.Release{Image: "svc", Version: "0.9.0", Digest: "sha256:a", Reference: repo + "@sha256:a"},
		ledger.Release{Image: "svc", Version: "0.8.0", Digest: "sha256:o", Reference: "registry.example/web/svc@sha256:o"})
	got := cat.manifests(prot)
	require.Len(t, got, 1, "one item per artifact, and only in the project's registry")
	assert.Equal(t, []string{"svc@1.0.0", "svc@0.9.0"}, got[0].Releases)

	cat.releases = append(cat.releases, ledger.Release{Image: "svc", Version: "0.7.0", Digest: "sha256:i", Reference: repo + "@sha256:i",
		Provenance: ledger.Provenance{Platforms: []ledger.PlatformImage{{Platform: "linux/amd64", Digest: "sha256:p1"}, {Platform: "linux/arm64", Digest: "sha256:p2"}}}})
	got = cat.manifests(prot)
	require.Len(t, got, 2)
	assert.Equal(t, []string{"sha256:p1", "sha256:p2"}, got[1].Platforms, "an index goes with its platforms' manifests")
}

func TestFailed(t *testing.T) {
	assert.NoError(t, Failed([]Item{{Kind: Image, Name: "a", Removed: true}}))
	err := Failed([]Item{
		{Kind: Image, Name: repo + ":1.0.0", Error: "container abc is using it"},
		{Kind: Manifest, Name: repo + "@sha256:a", Removed: true},
	})
	require.Error(t, err)
	assert.Equal(t, "collecting garbage: 1 of 2 left in place: image "+repo+":1.0.0: container abc is using it", err.Error())
}
