package builder

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
)

// fixture writes a template and a context directory and returns a spec for them.
func fixture(t *testing.T) Spec {
	t.Helper()
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "template")
	ctxDir := filepath.Join(dir, "context")
	require.NoError(t, os.MkdirAll(filepath.Join(ctxDir, "sub"), 0o755))
	require.NoError(t, os.MkdirAll(tmpl, 0o755))
	write(t, filepath.Join(tmpl, DockerfileTemplate), "FROM {{ .Base }}\nLABEL v={{ .Version }} m={{ .Vars.message }}\n")
	write(t, filepath.Join(ctxDir, "main.go"), "package main\n")
	write(t, filepath.Join(ctxDir, "sub", "data.txt"), "data\n")
	write(t, filepath.Join(ctxDir, "notes.log"), "ignored\n")
	write(t, filepath.Join(ctxDir, ".dockerignore"), "*.log\n")
	return Spec{
		Project: "p", Registry: "127.0.0.1:5000", Version: "1.0.0", BaseRef: "127.0.0.1:5000/p/base@sha256:aa",
		Image: &config.Image{Name: "web", Template: tmpl, Context: ctxDir, Vars: map[string]string{"message": "hi", "other": "x"}},
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
}

func digestOf(t *testing.T, s Spec) string {
	t.Helper()
	df, err := Render(s, DockerfileTemplate)
	require.NoError(t, err)
	tarball, err := contextTar(s.Image.Context, df)
	require.NoError(t, err)
	return inputsDigest(s, tarball)
}

func TestInputsDigestChangesWithEveryInput(t *testing.T) {
	base := fixture(t)
	want := digestOf(t, base)
	changes := map[string]func(s *Spec){
		"a context file": func(s *Spec) { write(t, filepath.Join(s.Image.Context, "main.go"), "package main // changed\n") },
		"a new file":     func(s *Spec) { write(t, filepath.Join(s.Image.Context, "sub", "new.txt"), "new\n") },
		"a variable":     func(s *Spec) { s.Image.Vars["other"] = "y" },
		"the template": func(s *Spec) {
			write(t, filepath.Join(s.Image.Template, DockerfileTemplate), "FROM {{ .Base }}\nRUN true\n")
		},
		"the base":    func(s *Spec) { s.BaseRef = "127.0.0.1:5000/p/base@sha256:bb" },
		"the version": func(s *Spec) { s.Version = "1.0.1" },
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			s := fixture(t)
			s.Image.Vars = map[string]string{"message": "hi", "other": "x"}
			require.Equal(t, want, digestOf(t, s), "fixtures must hash alike")
			change(&s)
			assert.NotEqual(t, want, digestOf(t, s))
		})
	}
}

func TestInputsDigestIgnoresTimesOrderAndIgnoredFiles(t *testing.T) {
	s := fixture(t)
	want := digestOf(t, s)

	later := time.Now().Add(time.Hour)
	require.NoError(t, os.Chtimes(filepath.Join(s.Image.Context, "main.go"), later, later))
	assert.Equal(t, want, digestOf(t, s), "touching a file")

	s.Image.Vars = map[string]string{"other": "x", "message": "hi"}
	assert.Equal(t, want, digestOf(t, s), "the same variables in another order")

	write(t, filepath.Join(s.Image.Context, "notes.log"), "changed, but .dockerignore'd\n")
	assert.Equal(t, want, digestOf(t, s), "a file .dockerignore excludes")
}

func TestRenderErrorsNameTheTemplate(t *testing.T) {
	s := fixture(t)
	write(t, filepath.Join(s.Image.Template, DockerfileTemplate), "FROM scratch\nLABEL x={{ .Vars.missing }}\n")
	_, err := Render(s, DockerfileTemplate)
	require.ErrorIs(t, err, ErrTemplate)
	assert.Contains(t, err.Error(), "Dockerfile.tmpl:2")
	assert.Contains(t, err.Error(), "missing")

	write(t, filepath.Join(s.Image.Template, DockerfileTemplate), "FROM {{ .Base \n")
	_, err = Render(s, DockerfileTemplate)
	require.ErrorIs(t, err, ErrTemplate)
	assert.Contains(t, err.Error(), "Dockerfile.tmpl:1")
}

func TestRenderData(t *testing.T) {
	s := fixture(t)
	out, err := Render(s, DockerfileTemplate)
	require.NoError(t, err)
	assert.Equal(t, "FROM 127.0.0.1:5000/p/base@sha256:aa\nLABEL v=1.0.0 m=hi\n", string(out))
	assert.Equal(t, "127.0.0.1:5000/p/web:1.0.0", s.Tag())
}

// A symbolic link in the context that leads out of the project goes into
// the tar as a link, never as the file it leads to: a build cannot COPY a
// host's secret through it.
func TestContextTarKeepsLinksOutAsLinks(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	secret := filepath.Join(outside, "credentials")
	write(t, secret, "aws_secret_access_key=hostsecret\n")
	require.NoError(t, os.Symlink(secret, filepath.Join(dir, "creds")))
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "aws")))

	tarball, err := contextTar(dir, []byte("FROM scratch\nCOPY creds aws/ /\n"))
	require.NoError(t, err)
	assert.NotContains(t, string(tarball), "hostsecret")
	tr := tar.NewReader(bytes.NewReader(tarball))
	links := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		if h.Typeflag == tar.TypeSymlink {
			links[h.Name] = h.Linkname
		}
	}
	assert.Equal(t, map[string]string{"creds": secret, "aws": outside}, links)
}
