package builder

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/engine"
)

func requirePacker(t *testing.T) {
	t.Helper()
	_, err := exec.LookPath("packer")
	require.NoError(t, err, "packer is not installed: run scripts/services.sh up")
}

// packerProject connects to the engine and publishes a tiny base release
// (a static busybox, enough for Packer's shell provisioner) by digest.
func packerProject(t *testing.T) (*client.Client, Spec) {
	t.Helper()
	requirePacker(t)
	return busyboxProject(t, "packer-")
}

// busyboxProject is a project in the engine and the registry whose base
// release is a busybox image, and a spec of an image built FROM it.
func busyboxProject(t *testing.T, prefix string) (*client.Client, Spec) {
	t.Helper()
	ctx := context.Background()
	eng, err := engine.Connect(ctx)
	require.NoError(t, err, "the Docker engine must run: scripts/services.sh up")
	t.Cleanup(func() { eng.Close() })

	project := prefix + engine.NewOperationID()
	base := Built{Tag: "127.0.0.1:5000/" + project + "/base:1.0.0"}
	img, err := busyboxImage()
	require.NoError(t, err, "busybox-static must be installed: apt-get install busybox-static")
	base.ImageID, err = load(ctx, eng, base.Tag, img)
	require.NoError(t, err)
	t.Cleanup(func() { removeImage(t, eng, base.Tag) })
	art, err := Publish(ctx, eng, base, nil)
	require.NoError(t, err, "the registry must run: scripts/services.sh up")

	s := Spec{
		Project: project, Registry: "127.0.0.1:5000", Version: "1.0.0", GitCommit: "abc1234", BaseRef: art.Reference,
		Image:    &config.Image{Name: "app", Template: t.TempDir(), Context: t.TempDir()},
		Progress: &syncBuffer{},
	}
	t.Cleanup(func() { removeImage(t, eng, s.Tag()) })
	return eng, s
}

// busyboxImage is an image of /bin/busybox, its shell and the few files Packer's docker builder needs.
func busyboxImage() (v1.Image, error) {
	busybox, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dir := func(name string, mode int64) {
		_ = tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Typeflag: tar.TypeDir})
	}
	file := func(name string, mode int64, b []byte) {
		_ = tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(b)), Typeflag: tar.TypeReg})
		_, _ = tw.Write(b)
	}
	dir("bin/", 0o755)
	dir("etc/", 0o755)
	dir("root/", 0o700)
	dir("tmp/", 0o1777)
	file("bin/busybox", 0o755, busybox)
	for _, applet := range []string{"sh", "cat", "cp", "mv", "rm", "mkdir", "chmod", "chown", "echo", "printf", "sleep", "ls", "true"} {
		_ = tw.WriteHeader(&tar.Header{Name: "bin/" + applet, Linkname: "busybox", Typeflag: tar.TypeSymlink})
	}
	// The JSON docker builder chowns uploads to root, which must exist.
	file("etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\n"))
	file("etc/group", 0o644, []byte("root:x:0:\n"))
	if err := tw.Close(); err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf.Bytes())), nil })
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, err
	}
	return mutate.Config(img, v1.Config{Cmd: []string{"sh"}, Env: []string{"PATH=/bin"}})
}

var containerIDLine = regexp.MustCompile(`Container ID: ([0-9a-f]{64})`)

// assertNoContainerLeft checks that every container Packer said it started is gone.
func assertNoContainerLeft(t *testing.T, eng *client.Client, progress string) {
	t.Helper()
	ids := containerIDLine.FindAllStringSubmatch(progress, -1)
	require.NotEmpty(t, ids, "Packer started a container")
	for _, id := range ids {
		_, err := eng.ContainerInspect(context.Background(), id[1], client.ContainerInspectOptions{})
		assert.True(t, cerrdefs.IsNotFound(err), "container %s is left behind (%v)", id[1][:12], err)
	}
}

// readFile reads a file of an image through a container that is created, never started.
func readFile(t *testing.T, eng *client.Client, image, path string) string {
	t.Helper()
	ctx := context.Background()
	c, err := eng.ContainerCreate(ctx, client.ContainerCreateOptions{Config: &container.Config{Image: image}})
	require.NoError(t, err)
	defer engine.Remove(ctx, eng, c.ID)
	res, err := eng.CopyFromContainer(ctx, c.ID, client.CopyFromContainerOptions{SourcePath: path})
	require.NoError(t, err)
	defer res.Content.Close()
	tr := tar.NewReader(res.Content)
	_, err = tr.Next()
	require.NoError(t, err)
	b, err := io.ReadAll(tr)
	require.NoError(t, err)
	return string(b)
}

func TestPackerBuildsTheExampleTemplate(t *testing.T) {
	eng, s := packerProject(t)
	s.Image.Template = exampleTemplate
	job, err := (&Packer{Engine: eng}).Prepare(s)
	require.NoError(t, err)
	built, err := job.Run(context.Background())
	require.NoError(t, err, "packer output:\n%s", s.Progress)

	assert.Equal(t, s.Tag(), built.Tag)
	assert.Equal(t, job.InputsDigest(), built.InputsDigest)
	assert.Equal(t, "packer", built.Builder)
	assert.NotEmpty(t, built.TemplateDigest)
	assert.Nil(t, built.AMIs)
	insp, err := eng.ImageInspect(context.Background(), built.Tag)
	require.NoError(t, err)
	assert.Equal(t, built.ImageID, insp.ID)
	assert.Equal(t, "app", insp.Config.Labels[engine.LabelImage])
	assert.Equal(t, built.InputsDigest, insp.Config.Labels["dev.bake.inputs-digest"])
	assert.Equal(t, []string{"cat", "/etc/bake-release"}, insp.Config.Cmd)
	assert.Equal(t, "app 1.0.0\n", readFile(t, eng, built.Tag, "/etc/bake-release"))
	assert.Contains(t, s.Progress.(*syncBuffer).String(), "==> docker.debian: Committing the container")
	assertNoContainerLeft(t, eng, s.Progress.(*syncBuffer).String())
}

// Packer runs in the build context, so a file provisioner uploads from it;
// the image's own variables reach the template.
func TestPackerRunsInTheBuildContext(t *testing.T) {
	eng, s := packerProject(t)
	write(t, filepath.Join(s.Image.Context, "motd"), "welcome\n")
	write(t, filepath.Join(s.Image.Template, "app.pkr.hcl"), `
variable "base" {
  type = string
}
variable "greeting" {
  type = string
}
source "docker" "app" {
  image  = var.base
  pull   = false
  commit = true
}
build {
  sources = ["source.docker.app"]
  provisioner "file" {
    source      = "motd"
    destination = "/etc/motd"
  }
  provisioner "shell" {
    inline = ["echo '${var.greeting}' >> /etc/motd"]
  }
}
`)
	s.Image.Vars = map[string]string{"greeting": "hello, world"}
	job, err := (&Packer{Engine: eng}).Prepare(s)
	require.NoError(t, err)
	built, err := job.Run(context.Background())
	require.NoError(t, err, "packer output:\n%s", s.Progress)
	assert.Equal(t, "welcome\nhello, world\n", readFile(t, eng, built.Tag, "/etc/motd"))
}

func TestPackerFailedProvisionerLeavesNothing(t *testing.T) {
	eng, s := packerProject(t)
	write(t, filepath.Join(s.Image.Template, PackerTemplateJSON), `{
  "variables": {"base": null},
  "builders": [{"type": "docker", "image": "{{user `+"`base`"+`}}", "pull": false, "commit": true}],
  "provisioners": [{"type": "shell", "inline": ["echo about to fail", "exit 3"]}]
}`)
	job, err := (&Packer{Engine: eng}).Prepare(s)
	require.NoError(t, err)
	_, err = job.Run(context.Background())
	require.ErrorIs(t, err, ErrPackerBuild)
	assert.NotErrorIs(t, err, ErrTemplate)
	assert.Contains(t, err.Error(), `baking app@1.0.0 with packer: packer build "docker" failed: Script exited with non-zero exit status: 3`)
	progress := s.Progress.(*syncBuffer).String()
	assert.Contains(t, progress, "    docker: about to fail")
	assertNoContainerLeft(t, eng, progress)
	_, err = eng.ImageInspect(context.Background(), s.Tag())
	assert.True(t, cerrdefs.IsNotFound(err), "no image is tagged %s", s.Tag())
}

func TestPackerMissingSaysHowToInstallIt(t *testing.T) {
	_, err := (&Packer{Binary: filepath.Join(t.TempDir(), "packer")}).Prepare(packerFixture(t))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "packer is not installed")
	assert.Contains(t, err.Error(), "install Packer and put it on PATH")
	assert.NotContains(t, err.Error(), "scripts/", "a user has the binary, not bake's clone")
}
