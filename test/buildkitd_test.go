package e2e

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/builder/buildkittest"
)

// buildkitd is the daemon scripts/services.sh starts as root, reached as a
// team's remote BuildKit is: over TLS with a client certificate, here with
// buildctl.
type buildkitd struct {
	buildkittest.Daemon
	buildctl string
}

// needBuildkitd skips the test when the daemon does not answer because the
// services run without root; as root it fails the test.
func needBuildkitd(t *testing.T) buildkitd {
	t.Helper()
	b := buildkitd{Daemon: buildkittest.Find(t), buildctl: "/usr/local/bin/buildctl"}
	if p, err := exec.LookPath("buildctl"); err == nil {
		b.buildctl = p
	}
	return b
}

// tlsArgs are buildctl's flags for the daemon's address: the CA always,
// the client certificate only when withCert.
func (b buildkitd) tlsArgs(withCert bool) []string {
	args := []string{"--addr", b.Address, "--tlscacert", b.CA}
	if withCert {
		args = append(args, "--tlscert", b.Cert, "--tlskey", b.Key)
	}
	return args
}

// run runs buildctl with the global flags first, then args.
func (b buildkitd) run(t *testing.T, global []string, args ...string) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return exec.CommandContext(ctx, b.buildctl, append(global, args...)...).CombinedOutput()
}

func TestBuildkitdAnswersOnlyWithAClientCertificate(t *testing.T) {
	t.Parallel()
	b := needBuildkitd(t)

	out, err := b.run(t, b.tlsArgs(true), "debug", "workers", "--format", "{{json .}}")
	require.NoError(t, err, "%s", out)
	var workers []struct {
		Platforms []v1.Platform `json:"platforms"`
	}
	require.NoError(t, json.Unmarshal(out, &workers), "%s", out)
	require.NotEmpty(t, workers, "buildkitd lists no worker")
	var platforms []string
	for _, p := range workers[0].Platforms {
		platforms = append(platforms, p.OS+"/"+p.Architecture)
	}
	assert.Contains(t, platforms, "linux/amd64")
	assert.Contains(t, platforms, "linux/arm64",
		"no arm64 emulation: services.sh registers qemu-aarch64 with binfmt_misc (see its output)")

	out, err = b.run(t, b.tlsArgs(false), "debug", "workers")
	assert.Error(t, err, "buildkitd answered a client without a certificate:\n%s", out)
}

func TestBuildkitdPushesATwoPlatformIndex(t *testing.T) {
	t.Parallel()
	b := needBuildkitd(t)

	// The context: a file every platform copies, and per platform a static
	// program that a RUN step executes (arm64's under qemu): it records the
	// platform it ran as and whether it reached the host's loopback.
	dir := t.TempDir()
	hello := "hello from " + randomHex(t, 8) + "\n"
	writeFile(t, filepath.Join(dir, "hello.txt"), hello)
	for _, arch := range []string{"amd64", "arm64"} {
		buildRunstep(t, arch, filepath.Join(dir, "runstep-"+arch))
	}
	writeFile(t, filepath.Join(dir, "Dockerfile"), `FROM scratch
ARG TARGETARCH
COPY hello.txt /hello.txt
COPY runstep-${TARGETARCH} /bin/runstep
RUN ["/bin/runstep", "/ran"]
`)
	ref := "127.0.0.1:5000/e2e-buildkitd-" + randomHex(t, 4) + ":1"
	meta := filepath.Join(t.TempDir(), "metadata.json")
	out, err := b.run(t, b.tlsArgs(true), "build", "--progress", "plain",
		"--frontend", "dockerfile.v0", "--local", "context="+dir, "--local", "dockerfile="+dir,
		"--opt", "platform=linux/amd64,linux/arm64",
		"--output", "type=image,name="+ref+",push=true", "--metadata-file", meta)
	require.NoError(t, err, "buildctl build:\n%s", out)

	r, err := name.ParseReference(ref)
	require.NoError(t, err)
	idx, err := remote.Index(r)
	require.NoError(t, err)
	digest, err := idx.Digest()
	require.NoError(t, err)
	t.Cleanup(func() {
		if err := remote.Delete(r.Context().Digest(digest.String())); err != nil {
			t.Logf("removing %s@%s: %v", ref, digest, err)
		}
	})
	var md map[string]any
	raw, err := os.ReadFile(meta)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &md))
	assert.Equal(t, digest.String(), md["containerimage.digest"], "the digest buildctl reported is the index pushed")

	mt, err := idx.MediaType()
	require.NoError(t, err)
	require.True(t, mt.IsIndex(), "pushed %s, want an index", mt)
	manifest, err := idx.IndexManifest()
	require.NoError(t, err)
	got := map[string]v1.Hash{}
	for _, m := range manifest.Manifests {
		require.NotNil(t, m.Platform, "manifest %s names no platform", m.Digest)
		got[m.Platform.OS+"/"+m.Platform.Architecture] = m.Digest
	}
	require.ElementsMatch(t, []string{"linux/amd64", "linux/arm64"}, slices.Collect(maps.Keys(got)))

	for platform, want := range map[string]string{
		"linux/amd64": "amd64 x86_64, host registry unreachable\n",
		"linux/arm64": "arm64 aarch64, host registry unreachable\n",
	} {
		img, err := idx.Image(got[platform])
		require.NoError(t, err)
		cf, err := img.ConfigFile()
		require.NoError(t, err)
		assert.Equal(t, platform, cf.OS+"/"+cf.Architecture, "config of the %s image", platform)
		files := imageFiles(t, img, "hello.txt", "ran")
		assert.Equal(t, hello, files["hello.txt"], "%s: the copied file", platform)
		assert.Equal(t, want, files["ran"], "%s: what the RUN step saw", platform)
	}
}

// buildRunstep compiles test/testdata/runstep, static, for linux/arch.
func buildRunstep(t *testing.T, arch, out string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-o", out, "./test/testdata/runstep")
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build runstep for %s:\n%s", arch, b)
}

// imageFiles reads the named files (paths without the leading slash) from
// img's flattened filesystem.
func imageFiles(t *testing.T, img v1.Image, names ...string) map[string]string {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	files := map[string]string{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		n := strings.TrimPrefix(h.Name, "/")
		if !slices.Contains(names, n) {
			continue
		}
		b, err := io.ReadAll(tr)
		require.NoError(t, err)
		files[n] = string(b)
	}
	return files
}
