package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type buildDoc struct {
	Tag          string `json:"tag"`
	ImageID      string `json:"image_id"`
	Reused       string `json:"reused"`
	Reference    string `json:"reference"`
	InputsDigest string `json:"inputs_digest"`
}

type showDoc struct {
	Image        string `json:"image"`
	Version      string `json:"version"`
	Digest       string `json:"digest"`
	InputsDigest string `json:"inputs_digest"`
	Status       string `json:"status"`
	Checks       []struct {
		Name   string `json:"name"`
		Passed bool   `json:"passed"`
	} `json:"checks"`
	Provenance struct {
		Builder        string    `json:"builder"`
		BuilderVersion string    `json:"builder_version"`
		TemplateDigest string    `json:"template_digest"`
		BuiltAt        time.Time `json:"built_at"`
	} `json:"provenance"`
	RunsIn []string `json:"runs_in"`
}

// TestUnchangedInputsAreNotRebuilt builds a recorded release's inputs again:
// bake reuses the artifact without calling the builder, --force rebuilds,
// and any changed input builds anew.
func TestUnchangedInputsAreNotRebuilt(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	var rel showDoc
	decodeOne(t, mustBake(t, p.Dir, "show", "svc@1.0.0", "-o", "json").stdout, &rel)

	res := mustBake(t, p.Dir, "build", "svc", "--version", "1.0.0", "-o", "json")
	var reused buildDoc
	decodeOne(t, res.stdout, &reused)
	assert.Equal(t, "svc@1.0.0", reused.Reused)
	assert.Equal(t, rel.InputsDigest, reused.InputsDigest)
	assert.Contains(t, reused.Reference, rel.Digest)
	assert.NotContains(t, res.stderr, "load build definition", "the builder ran for unchanged inputs")

	res = mustBake(t, p.Dir, "build", "svc", "--version", "1.0.0", "--force", "-o", "json")
	var forced buildDoc
	decodeOne(t, res.stdout, &forced)
	assert.Empty(t, forced.Reused)
	assert.NotEmpty(t, forced.ImageID)
	assert.Equal(t, rel.InputsDigest, forced.InputsDigest, "--force builds the same inputs")

	require.NoError(t, os.WriteFile(filepath.Join(p.Dir, "images", "svc", "NOTES"), []byte("a new file\n"), 0o644))
	var changed buildDoc
	decodeOne(t, mustBake(t, p.Dir, "build", "svc", "--version", "1.0.0", "-o", "json").stdout, &changed)
	assert.Empty(t, changed.Reused, "a new context file is a changed input")
	assert.NotEqual(t, rel.InputsDigest, changed.InputsDigest)
}

// TestShow prints a release's artifact, provenance, checks and where it runs.
func TestShow(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")

	var rel showDoc
	decodeOne(t, mustBake(t, p.Dir, "show", "svc@1.0.0", "-o", "json").stdout, &rel)
	assert.Equal(t, "validated", rel.Status)
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, rel.Digest)
	assert.Equal(t, "docker buildkit", rel.Provenance.Builder, "the engine's own BuildKit built it")
	assert.NotEmpty(t, rel.Provenance.BuilderVersion)
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, rel.Provenance.TemplateDigest)
	assert.WithinDuration(t, time.Now(), rel.Provenance.BuiltAt, 5*time.Minute)
	assert.Len(t, rel.Checks, 2)
	assert.Equal(t, []string{"dev"}, rel.RunsIn)

	text := mustBake(t, p.Dir, "show", "svc@1.0.0").stdout
	for _, want := range []string{"svc@1.0.0", "inputs digest", "builder", "docker", "runs in", "checks"} {
		assert.Contains(t, text, want)
	}
	res := bake(t, p.Dir, "show", "svc@9.9.9")
	assert.Equal(t, 2, res.code, res.String())
}
