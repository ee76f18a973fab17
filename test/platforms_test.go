package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/builder/buildkittest"
	"github.com/bakehq/bake/internal/ledger"
)

// platformsProject builds web for {{PLATFORMS}} with {{BUILDER}}: the test
// service, built for each architecture, answers /platform with the one it
// was built for.
const platformsProject = `project: {{PROJECT}}
registry: 127.0.0.1:5000
ledger: ledger.db
{{BUILDER}}
images:
  web:
    template: templates/web
    context: svc
    port: 8080
    platforms: [{{PLATFORMS}}]
    checks:
      - name: platform
        http: {path: /platform, body: '^linux/[a-z0-9]+\n$'}
environments:
  - name: dev
    targets: {web: {replicas: 1, listen: "{{LISTEN}}"}}
`

const platformsImage = `FROM scratch
ARG TARGETARCH
COPY svc-${TARGETARCH} /svc
ENTRYPOINT ["/svc"]
`

// TestMultiPlatformRelease releases one index for linux/amd64 and
// linux/arm64 through the buildkitd, each platform validated in the
// sandbox (arm64 under qemu), and promotes it by the index's digest.
func TestMultiPlatformRelease(t *testing.T) {
	b := needBuildkitd(t)
	t.Parallel()
	project := "e2e-" + randomHex(t, 4)
	dir := t.TempDir()
	t.Cleanup(func() { removeProject(t, project, routeIDs(project, "web"), true) })
	listen := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	cannot := unrunnableArch(t)
	for _, arch := range []string{"amd64", "arm64", cannot} {
		buildStatic(t, "./test/testdata/svc", arch, filepath.Join(dir, "svc", "svc-"+arch))
	}
	writeFile(t, filepath.Join(dir, "templates", "web", "Dockerfile.tmpl"), platformsImage)
	withBuildkitd := fmt.Sprintf("builder: {address: %s, ca: %s, cert: %s, key: %s}", buildkittest.Address, b.CA, b.Cert, b.Key)
	config := func(builder, platforms string) {
		writeFile(t, filepath.Join(dir, "bake.yaml"), strings.NewReplacer("{{PROJECT}}", project, "{{BUILDER}}", builder,
			"{{PLATFORMS}}", platforms, "{{LISTEN}}", listen).Replace(platformsProject))
	}

	config(withBuildkitd, "linux/amd64, linux/arm64")
	res := bake(t, dir, "release", "web", "--version", "1.0.0")
	require.Equal(t, 0, res.code, "%s", res)
	assert.Contains(t, res.stderr, "validating web@1.0.0 for linux/amd64 in a sandbox, natively")
	assert.Contains(t, res.stderr, "validating web@1.0.0 for linux/arm64 in a sandbox, under emulation by qemu-aarch64")
	assert.Regexp(t, `(?m)^platform linux/arm64\s+sha256:[0-9a-f]{64} \(validated\)$`, res.stdout)

	var rel ledger.Release
	require.NoError(t, json.Unmarshal([]byte(mustBake(t, dir, "show", "web@1.0.0", "-o", "json").stdout), &rel))
	require.Len(t, rel.Provenance.Platforms, 2, "%+v", rel)
	ran := map[string]bool{}
	for _, c := range rel.Checks {
		assert.True(t, c.Passed, "%+v", c)
		ran[c.Platform] = true
	}
	assert.Equal(t, map[string]bool{"linux/amd64": true, "linux/arm64": true}, ran, "each platform's check ran and is recorded")

	// bake validate runs the checks of every platform again, from the
	// registry by each platform's manifest digest.
	res = bake(t, dir, "validate", "web@1.0.0")
	require.Equal(t, 0, res.code, "%s", res)
	assert.Regexp(t, `validated web@1.0.0\s+2 of 2 checks passed`, res.stdout)
	assert.Contains(t, res.stderr, "validating web@1.0.0 for linux/arm64 in a sandbox, under emulation by qemu-aarch64")

	// The registry holds the index the release records, under the
	// version's tag, with the recorded image of each platform; the arm64
	// one holds an aarch64 program, so its passing check ran under qemu.
	tag, err := name.ParseReference("127.0.0.1:5000/" + project + "/web:1.0.0")
	require.NoError(t, err)
	idx, err := remote.Index(tag)
	require.NoError(t, err)
	digest, err := idx.Digest()
	require.NoError(t, err)
	assert.Equal(t, rel.Digest, digest.String())
	assert.Equal(t, "127.0.0.1:5000/"+project+"/web@"+rel.Digest, rel.Reference)
	for _, p := range rel.Provenance.Platforms {
		h, err := v1.NewHash(p.Digest)
		require.NoError(t, err)
		img, err := idx.Image(h)
		require.NoError(t, err, "the index holds the %s image the release records", p.Platform)
		cf, err := img.ConfigFile()
		require.NoError(t, err)
		assert.Equal(t, p.Platform, cf.OS+"/"+cf.Architecture)
		if p.Platform == "linux/arm64" {
			svc := imageFiles(t, img, "svc")["svc"]
			require.Greater(t, len(svc), 20)
			assert.Equal(t, []byte{0xb7, 0}, []byte(svc[18:20]), "the arm64 image's program is an aarch64 ELF")
		}
	}

	// The engine pulls its own platform's image from the index.
	mustBake(t, dir, "promote", "web@1.0.0", "--to", "dev")
	assert.Equal(t, "linux/amd64\n", httpBody(t, "http://"+listen+"/platform"))

	// A platform the machine cannot run fails the release, named with what
	// to install; it is recorded as failed and nothing is published.
	config(withBuildkitd, "linux/amd64, linux/"+cannot)
	res = bake(t, dir, "release", "web", "--version", "1.1.0")
	require.Equal(t, 1, res.code, "%s", res)
	assert.Contains(t, res.stderr, "bake: validation failed: web@1.1.0: linux/"+cannot+": runnable: cannot run on this machine")
	assert.Contains(t, res.stderr, "install qemu-user-static and run `update-binfmts --enable qemu-")
	show := mustBake(t, dir, "show", "web@1.1.0").stdout
	assert.Regexp(t, `(?m)^status\s+failed$`, show)
	assert.Regexp(t, `(?m)^\s+ok\s+http platform on linux/amd64: `, show, "the platform it can run is validated all the same")
	assert.Regexp(t, `(?m)^\s+FAIL\s+platform runnable on linux/`+cannot+`: cannot run on this machine`, show)
	assert.Regexp(t, `(?m)^platform linux/`+cannot+`\s+sha256:[0-9a-f]{64} \(built, not pushed\)$`, show, "what was built is shown, not as published")
	_, err = remote.Head(tag.Context().Tag("1.1.0"))
	assert.Error(t, err, "a release with a platform not validated is not published")

	// The engine's own BuildKit builds one platform: bad input, before building.
	config("", "linux/amd64, linux/arm64")
	res = bake(t, dir, "release", "web", "--version", "1.2.0")
	assert.Equal(t, 2, res.code, "%s", res)
	assert.Contains(t, res.stderr, "bake.yaml:10:5: images.web.platforms: the Docker engine's BuildKit builds for its own platform only")

	// A release dev never ran, older than the one it runs, is garbage: gc
	// deletes its index and the manifest of each of its platforms, which
	// no tag names.
	config(withBuildkitd, "linux/arm64, linux/amd64")
	mustBake(t, dir, "release", "web", "--version", "1.3.0")
	var unused ledger.Release
	require.NoError(t, json.Unmarshal([]byte(mustBake(t, dir, "show", "web@1.3.0", "-o", "json").stdout), &unused))
	config(withBuildkitd, "linux/amd64, linux/arm64")
	mustBake(t, dir, "release", "web", "--version", "1.4.0", "--force")
	mustBake(t, dir, "promote", "web@1.4.0", "--to", "dev")
	mustBake(t, dir, "gc", "--yes")
	require.Len(t, unused.Provenance.Platforms, 2)
	for _, d := range []string{unused.Digest, unused.Provenance.Platforms[0].Digest, unused.Provenance.Platforms[1].Digest} {
		_, err := remote.Head(tag.Context().Digest(d))
		assert.Error(t, err, "gc deletes %s", d)
	}
	_, err = remote.Head(tag.Context().Tag("1.4.0"))
	assert.NoError(t, err, "what dev runs stays")
}

// unrunnableArch is an architecture Go builds for that this machine runs
// neither natively nor under an enabled binfmt_misc handler.
func unrunnableArch(t *testing.T) string {
	t.Helper()
	for arch, qemu := range map[string]string{"s390x": "s390x", "ppc64le": "ppc64le", "riscv64": "riscv64", "mips64le": "mips64el"} {
		status, err := os.ReadFile("/proc/sys/fs/binfmt_misc/qemu-" + qemu)
		if err != nil || !strings.HasPrefix(string(status), "enabled") {
			return arch
		}
	}
	t.Skip("every architecture has an enabled qemu handler here: none to show that one that cannot run is refused")
	return ""
}

// buildStatic compiles pkg, static, for linux/arch.
func buildStatic(t *testing.T, pkg, arch, out string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build %s for %s:\n%s", pkg, arch, b)
}

func httpBody(t *testing.T, url string) string {
	t.Helper()
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return string(b)
}
