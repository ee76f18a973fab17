package builder

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
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

	write(t, filepath.Join(s.Image.Template, "rootfs.yaml"), "suite: {{ secret \"tok\" }}\n")
	_, err = Render(s, "rootfs.yaml")
	require.ErrorIs(t, err, ErrTemplate)
	assert.Contains(t, err.Error(), `only a Dockerfile template can use secrets`)

	_, err = (&Rootfs{}).Prepare(s)
	require.ErrorIs(t, err, secret.ErrInvalid)
	assert.Contains(t, err.Error(), `image "web" declares secrets (tok), but a Debian root filesystem`)
}

var fetchURL = regexp.MustCompile(`wget -qO- (http://127\.0\.0\.1:\d+/[0-9a-f]{32}/tok) `)

func TestSecretServerServesEachUseOnce(t *testing.T) {
	s := secretFixture(t)
	job, err := (&Docker{}).Prepare(s)
	require.NoError(t, err)
	srv, err := startSecretServer(s.Secrets)
	require.NoError(t, err)
	live, err := liveSecrets(job.(*dockerJob).dockerfile, s.Secrets, srv)
	require.NoError(t, err)
	assert.NotContains(t, string(live), canary)
	assert.NotContains(t, string(live), "bake-secret")
	urls := fetchURL.FindAllStringSubmatch(string(live), -1)
	require.Len(t, urls, 2, "one URL per use:\n%s", live)
	require.NotEqual(t, urls[0][1], urls[1][1])

	get := func(url, method string) (int, string) {
		req, err := http.NewRequest(method, url, nil)
		require.NoError(t, err)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	code, body := get(urls[0][1], http.MethodGet)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, canary, body)
	code, body = get(urls[0][1], http.MethodGet)
	assert.Equal(t, http.StatusNotFound, code, "a URL serves once")
	assert.NotContains(t, body, canary)
	code, _ = get(strings.Replace(urls[1][1], "/tok", "/other", 1), http.MethodGet)
	assert.Equal(t, http.StatusNotFound, code)
	code, _ = get(urls[1][1], http.MethodHead)
	assert.Equal(t, http.StatusNotFound, code, "GET only")

	assert.Equal(t, []string{"tok"}, srv.close(), "the second use was never fetched")
	_, err = http.Get(urls[1][1])
	assert.Error(t, err, "nothing answers after the build")
}

// A build that never fetched a secret its template uses (no wget or curl
// in the image, or a step that skipped it) cannot have received it: it
// fails and tags nothing.
func TestDockerBuildThatNeverFetchedItsSecretFails(t *testing.T) {
	eng, s := packerProject(t)
	s.Image.Secrets, s.Secrets = []string{"tok"}, secret.Values{"tok": canary}
	write(t, filepath.Join(s.Image.Template, DockerfileTemplate), "FROM {{ .Base }}\nRUN true || echo \"{{ secret \"tok\" }}\" > /tok\n")
	job, err := (&Docker{Engine: eng}).Prepare(s)
	require.NoError(t, err)
	_, err = job.Run(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the build never fetched secret(s) tok: a RUN step that uses {{ secret }} needs wget or curl")
	_, err = eng.ImageInspect(context.Background(), s.Tag())
	assert.True(t, cerrdefs.IsNotFound(err), "no image is tagged %s", s.Tag())
	assert.NotContains(t, s.Progress.(*syncBuffer).String(), canary)
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
