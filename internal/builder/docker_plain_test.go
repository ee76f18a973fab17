package builder

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
)

// plainSpec is a spec for a plain Dockerfile with content src, in a context
// of its own.
func plainSpec(t *testing.T, src string) Spec {
	t.Helper()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "Dockerfile"), src)
	write(t, filepath.Join(dir, "app"), "binary")
	img := &config.Image{Name: "api", Dockerfile: filepath.Join(dir, "Dockerfile"), Context: dir, Vars: map[string]string{}}
	return Spec{Project: "shop", Registry: "127.0.0.1:5000", Image: img, Version: "1.0.0", GitCommit: "abc123"}
}

func preparePlain(t *testing.T, s Spec) *dockerJob {
	t.Helper()
	job, err := (&Docker{}).Prepare(s)
	require.NoError(t, err)
	return job.(*dockerJob)
}

func TestPlainDockerfileGetsTheBuildArgsItDeclares(t *testing.T) {
	tests := []struct {
		name string
		src  string
		base string
		vars map[string]string
		want map[string]string
	}{
		{name: "none declared", src: "FROM scratch\nCOPY app /app\n", base: "127.0.0.1:5000/shop/debian@sha256:1", want: map[string]string{}},
		{name: "all of bake's",
			src:  "ARG BAKE_BASE\nFROM ${BAKE_BASE}\nARG BAKE_VERSION BAKE_IMAGE\nARG BAKE_GIT_COMMIT=unknown\n",
			base: "127.0.0.1:5000/shop/debian@sha256:1",
			want: map[string]string{"BAKE_BASE": "127.0.0.1:5000/shop/debian@sha256:1", "BAKE_VERSION": "1.0.0", "BAKE_IMAGE": "api", "BAKE_GIT_COMMIT": "abc123"}},
		{name: "no base: the ARG's default stays", src: "ARG BAKE_BASE=scratch\nFROM ${BAKE_BASE}\n", want: map[string]string{}},
		{name: "vars", src: "FROM scratch\nARG colour\n", vars: map[string]string{"colour": "blue"},
			want: map[string]string{"colour": "blue"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := plainSpec(t, tt.src)
			s.BaseRef, s.Image.Vars = tt.base, tt.vars
			job := preparePlain(t, s)
			got := map[string]string{}
			for k, v := range job.buildArgs {
				got[k] = *v
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.src, string(job.dockerfile), "built as it is")
			assert.Equal(t, sha([]byte(tt.src)), job.template)
		})
	}
}

// TestPlainDockerfileInputsDigest checks the rule of the inputs digest: a
// build argument that changes per release changes it only for a
// Dockerfile that declares it.
func TestPlainDockerfileInputsDigest(t *testing.T) {
	undeclared := plainSpec(t, "FROM scratch\nCOPY app /app\n")
	declared := plainSpec(t, "FROM scratch\nARG BAKE_VERSION\nLABEL version=$BAKE_VERSION\n")
	for _, s := range []Spec{undeclared, declared} {
		next := s
		next.Version, next.GitCommit = "1.0.1", "def456"
		first, second := preparePlain(t, s).InputsDigest(), preparePlain(t, next).InputsDigest()
		if s.Image == undeclared.Image {
			assert.Equal(t, first, second, "a new version and commit are no new inputs to a Dockerfile that declares neither")
		} else {
			assert.NotEqual(t, first, second, "BAKE_VERSION is an input of a Dockerfile that declares it")
		}
	}

	before := preparePlain(t, undeclared).InputsDigest()
	write(t, undeclared.Image.Dockerfile, "FROM scratch\nCOPY app /srv/app\n")
	assert.NotEqual(t, before, preparePlain(t, undeclared).InputsDigest(), "the Dockerfile is an input")
}

func TestPlainDockerfileRejected(t *testing.T) {
	tests := []struct {
		name, src string
		vars      map[string]string
		secrets   []string
		legacy    bool
		contains  string
	}{
		{name: "does not parse", src: "FROM scratch\nRUN <<EOF\n", contains: "Dockerfile:2: unterminated heredoc"},
		{name: "a var it does not declare", src: "FROM scratch\n", vars: map[string]string{"colour": "blue"},
			contains: `image "api" sets var "colour", which`},
		{name: "secrets with the legacy builder", src: "FROM scratch\n", secrets: []string{"npm_token"}, legacy: true,
			contains: `image "api" has secrets, which the legacy builder cannot mount into a plain Dockerfile`},
		{name: "a var bake sets", src: "FROM scratch\nARG BAKE_IMAGE\n", vars: map[string]string{"BAKE_IMAGE": "x"},
			contains: `"BAKE_IMAGE", a build argument bake sets itself`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := plainSpec(t, tt.src)
			s.Image.Vars, s.Image.Secrets = tt.vars, tt.secrets
			_, err := (&Docker{Builder: config.Builder{Legacy: tt.legacy}}).Prepare(s)
			require.ErrorIs(t, err, ErrTemplate)
			assert.Contains(t, err.Error(), tt.contains)
		})
	}
}

// With BuildKit, a plain Dockerfile's RUN --mount=type=secret steps get the
// image's secrets over the build's session: declaring them is no error.
func TestPlainDockerfileWithSecretsPreparesForBuildKit(t *testing.T) {
	s := plainSpec(t, "FROM scratch\nRUN --mount=type=secret,id=npm_token true\n")
	s.Image.Secrets = []string{"npm_token"}
	_, err := (&Docker{}).Prepare(s)
	require.NoError(t, err)
}
