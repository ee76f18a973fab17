package builder

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/secret"
)

const canary = "canary-5ec7e7-value"

// secretFixture is fixture with a Dockerfile template that uses secret tok twice.
func secretFixture(t *testing.T) Spec {
	t.Helper()
	s := fixture(t)
	s.Image.Secrets = []string{"tok"}
	s.Secrets = secret.Values{"tok": canary}
	write(t, filepath.Join(s.Image.Template, DockerfileTemplate),
		"FROM {{ .Base }}\nRUN echo \"{{ secret \"tok\" }}\" | sha256sum > /tok.sha\nRUN use \"{{ secret \"tok\" }}\"\n")
	return s
}

func TestDockerPrepareKeepsSecretValuesOutOfTheDigests(t *testing.T) {
	s := secretFixture(t)
	job, err := (&Docker{}).Prepare(s)
	require.NoError(t, err)
	dj := job.(*dockerJob)
	assert.NotContains(t, string(dj.dockerfile), canary)
	assert.Contains(t, string(dj.dockerfile), `RUN echo "$(bake-secret tok)" | sha256sum`)

	other := secretFixture(t)
	other.Image.Template, other.Image.Context = s.Image.Template, s.Image.Context
	other.Secrets = secret.Values{"tok": "another-value"}
	job2, err := (&Docker{}).Prepare(other)
	require.NoError(t, err)
	assert.Equal(t, job.InputsDigest(), job2.InputsDigest(), "a secret's value is not an input")
	assert.Equal(t, dj.template, job2.(*dockerJob).template)

	other.Image.Secrets = []string{"tok", "unused"}
	job3, err := (&Docker{}).Prepare(other)
	require.NoError(t, err)
	assert.NotEqual(t, job.InputsDigest(), job3.InputsDigest(), "a secret's name is an input")

	s.Image.Secrets, s.Secrets = nil, nil
	write(t, filepath.Join(s.Image.Template, DockerfileTemplate), "FROM {{ .Base }}\nLABEL v={{ .Version }} m={{ .Vars.message }}\n")
	plain, err := (&Docker{}).Prepare(s)
	require.NoError(t, err)
	assert.Equal(t, digestOf(t, s), plain.InputsDigest(), "no secrets: the digest is what it always was")
}

func TestSecretTemplateErrors(t *testing.T) {
	s := secretFixture(t)
	write(t, filepath.Join(s.Image.Template, DockerfileTemplate), "FROM scratch\nRUN x {{ secret \"other\" }}\n")
	_, err := (&Docker{}).Prepare(s)
	require.ErrorIs(t, err, ErrTemplate)
	assert.Contains(t, err.Error(), `secret "other" is not declared: add it to the secrets of image "web"`)

	write(t, filepath.Join(s.Image.Template, DockerfileTemplate), "FROM scratch\nRUN --mount=type=secret,id=tok --mount=type=secret,id=other x\n")
	_, err = (&Docker{}).Prepare(s)
	require.ErrorIs(t, err, ErrTemplate)
	assert.Contains(t, err.Error(), `a RUN step mounts secret "other", which is not declared: add it to the secrets of image "web"`)

	write(t, filepath.Join(s.Image.Template, "rootfs.yaml"), "suite: {{ secret \"tok\" }}\n")
	_, err = Render(s, "rootfs.yaml")
	require.ErrorIs(t, err, ErrTemplate)
	assert.Contains(t, err.Error(), `only a Dockerfile template can use secrets`)

	_, err = (&Rootfs{}).Prepare(s)
	require.ErrorIs(t, err, secret.ErrInvalid)
	assert.Contains(t, err.Error(), `image "web" declares secrets (tok), but a Debian root filesystem`)
}

func TestPackerSecretsMustBeDeclaredSensitive(t *testing.T) {
	tests := []struct {
		name, file, content, contains string
	}{
		{"undeclared", "a.pkr.hcl", "", `has secret "tok", which `},
		{"not sensitive", "a.pkr.hcl", "variable \"tok\" {\n  type = string\n}\n", `declares variable "tok", a secret of image "web", but not as sensitive: add sensitive = true`},
		{"sensitive = false", "a.pkr.hcl", "variable \"tok\" {\n  sensitive = false\n}\n", `but not as sensitive`},
		{"JSON not sensitive", "packer.json", `{"variables": {"tok": null}}`, `but not as sensitive: add it in "sensitive-variables"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := packerFixture(t)
			s.Image.Template, s.Image.Vars = t.TempDir(), nil
			s.Image.Secrets, s.Secrets = []string{"tok"}, secret.Values{"tok": canary}
			write(t, filepath.Join(s.Image.Template, tt.file), tt.content)
			_, err := (&Packer{}).Prepare(s)
			require.ErrorIs(t, err, ErrTemplate)
			assert.Contains(t, err.Error(), tt.contains)
		})
	}
	for file, content := range map[string]string{
		"a.pkr.hcl":   "variable \"tok\" {\n  type      = string\n  sensitive = true\n}\n",
		"packer.json": `{"variables": {"tok": null}, "sensitive-variables": ["tok"]}`,
	} {
		s := packerFixture(t)
		s.Image.Template, s.Image.Vars = t.TempDir(), nil
		s.Image.Secrets, s.Secrets = []string{"tok"}, secret.Values{"tok": canary}
		write(t, filepath.Join(s.Image.Template, file), content)
		job, err := (&Packer{}).Prepare(s)
		require.NoError(t, err, file)
		assert.Empty(t, job.(*packerJob).vars, "a secret is never a -var")
	}
}

// fakePacker is a packer binary that records how it was run, then prints
// the secret the way a provisioner would and fails.
const fakePacker = `#!/bin/sh
if [ "$1" = version ]; then echo "Packer v1.6.6"; exit 0; fi
echo "$@" > "$OUT/args"
env > "$OUT/env"
for a in "$@"; do
  case $a in -var-file=*) f=${a#-var-file=}; stat -c %a "$f" > "$OUT/mode"; cat "$f" > "$OUT/varfile"; echo "$f" > "$OUT/path";; esac
done
echo "1,,ui,message,    null: token is $(sed 's/.*"tok":"\([^"]*\)".*/\1/' "$f")"
echo "1,null,error,token $(sed 's/.*"tok":"\([^"]*\)".*/\1/' "$f") rejected"
exit 1
`

func TestPackerGetsSecretsOnlyInAVarFile(t *testing.T) {
	out := t.TempDir()
	t.Setenv("OUT", out)
	t.Setenv("BAKE_SECRET_OTHER", "other-secret-value")
	t.Setenv("TMPDIR", t.TempDir())
	bin := filepath.Join(t.TempDir(), "packer")
	require.NoError(t, os.WriteFile(bin, []byte(fakePacker), 0o755))

	s := packerFixture(t)
	s.Image.Template, s.Image.Vars = t.TempDir(), nil
	s.Image.Secrets, s.Secrets = []string{"tok"}, secret.Values{"tok": canary}
	s.Progress = &syncBuffer{}
	write(t, filepath.Join(s.Image.Template, "a.pkr.hcl"), "variable \"tok\" {\n  sensitive = true\n}\n")
	job, err := (&Packer{Binary: bin}).Prepare(s)
	require.NoError(t, err)
	_, runErr := job.Run(context.Background())
	require.Error(t, runErr)

	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(out, name))
		require.NoError(t, err)
		return string(b)
	}
	assert.NotContains(t, read("args"), canary, "never on the command line")
	assert.Contains(t, read("args"), "-var-file=")
	assert.NotContains(t, read("env"), canary)
	assert.NotContains(t, read("env"), "BAKE_SECRET_", "Packer does not inherit bake's secrets")
	assert.Equal(t, "600\n", read("mode"))
	var vf map[string]string
	require.NoError(t, json.Unmarshal([]byte(read("varfile")), &vf))
	assert.Equal(t, map[string]string{"tok": canary}, vf)
	_, err = os.Stat(strings.TrimSpace(read("path")))
	assert.True(t, os.IsNotExist(err), "the var-file is removed after the run")

	progress := s.Progress.(*syncBuffer).String()
	assert.Contains(t, progress, "token is [secret]")
	assert.NotContains(t, progress, canary)
	assert.Contains(t, runErr.Error(), "token [secret] rejected")
	assert.NotContains(t, runErr.Error(), canary)
}

// The real Packer 1.6.6 takes the var-file and the sensitive declaration,
// and prints the value as it is: bake redacts it.
func TestPackerRedactsWhatPackerPrints(t *testing.T) {
	requirePacker(t)
	s := packerFixture(t)
	s.Image.Template, s.Image.Vars, s.BaseRef = t.TempDir(), nil, ""
	s.Image.Secrets, s.Secrets = []string{"tok"}, secret.Values{"tok": canary}
	s.Progress = &syncBuffer{}
	write(t, filepath.Join(s.Image.Template, "null.pkr.hcl"), `
variable "tok" {
  type      = string
  sensitive = true
}
source "null" "x" {
  communicator = "none"
}
build {
  sources = ["source.null.x"]
  provisioner "shell-local" {
    inline = ["echo token is ${var.tok}", "printf %s \"$TOK\" | sha256sum", "exit 4"]
    environment_vars = ["TOK=${var.tok}"]
  }
}
`)
	job, err := (&Packer{}).Prepare(s)
	require.NoError(t, err)
	_, err = job.Run(context.Background())
	require.Error(t, err, "the template fails on purpose: a null build makes no artifact")
	progress := s.Progress.(*syncBuffer).String()
	assert.Contains(t, progress, "token is [secret]")
	assert.Contains(t, progress, sha256Hex(canary), "the build got the value")
	assert.NotContains(t, progress, canary)
	assert.NotContains(t, err.Error(), canary)
}

func sha256Hex(s string) string { return strings.TrimPrefix(sha([]byte(s)), "sha256:") }
