package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/builder/buildkittest"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/registry/registrytest"
)

// remoteProject builds with the buildkitd services.sh runs, over mutual TLS.
const remoteProject = `project: {{PROJECT}}
registry: 127.0.0.1:5000
ledger: ledger.db
builder:
  address: ` + buildkittest.Address + `
  ca: {{CA}}
  cert: {{CERT}}
  key: {{KEY}}
images:
  remote:
    template: templates/remote
    context: images/bb
    secrets: [token]
    vars: {run: "{{PROJECT}}"}
    checks:
      - name: received
        command: {argv: ["/bin/cat", "/token.sha256"], stdout: '^{{HASH}}$'}
      - name: cached
        command: {argv: ["/bin/cat", "/cache-lines"], stdout: '^1$'}
environments:
  - name: dev
    targets: {}
`

// remoteImage uses a secret and a cache mount, in two stages built at once.
const remoteImage = `FROM scratch AS tools
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]

FROM tools AS secret
RUN echo "{{ .Vars.run }}" > /run-id && echo "the token is {{ secret "token" }}" \
 && printf %s "{{ secret "token" }}" | sha256sum | cut -d' ' -f1 > /token.sha256

FROM tools AS cache
RUN --mount=type=cache,id={{ .Vars.run }},target=/cache echo x >> /cache/log && wc -l < /cache/log > /cache-lines

FROM tools
COPY --from=secret /token.sha256 /token.sha256
COPY --from=cache /cache-lines /cache-lines
`

// TestReleaseWithABuildkitd releases an image built by the buildkitd at
// builder.address, reached with a client certificate: the image comes back
// into the engine, is validated and pushed as one built by the engine.
func TestReleaseWithABuildkitd(t *testing.T) {
	b := needBuildkitd(t)
	t.Parallel()
	canary := "canary-" + randomHex(t, 16)
	sum := sha256.Sum256([]byte(canary))
	name := "e2e-" + randomHex(t, 4)
	dir := t.TempDir()
	t.Cleanup(func() { removeProject(t, name, nil, true) })
	writeFile(t, filepath.Join(dir, "bake.yaml"), strings.NewReplacer("{{PROJECT}}", name, "{{CA}}", b.CA,
		"{{CERT}}", b.Cert, "{{KEY}}", b.Key, "{{HASH}}", hex.EncodeToString(sum[:])).Replace(remoteProject))
	writeFile(t, filepath.Join(dir, "templates", "remote", "Dockerfile.tmpl"), remoteImage)
	busybox, err := os.ReadFile("/bin/busybox")
	require.NoError(t, err, "busybox-static must be installed: scripts/services.sh up")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "images", "bb"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "images", "bb", "busybox"), busybox, 0o755))

	res := bakeEnv(t, dir, []string{"BAKE_SECRET_TOKEN=" + canary}, "release", "remote", "--version", "1.0.0")
	require.Equal(t, 0, res.code, "%s", res)
	assert.Contains(t, res.stderr, "the token is [secret]")
	assert.NotContains(t, res.stderr+res.stdout, canary)
	assert.Contains(t, res.stdout, "released remote@1.0.0")

	eng, err := engine.Connect(context.Background())
	require.NoError(t, err)
	defer eng.Close()
	insp, err := eng.ImageInspect(context.Background(), "127.0.0.1:5000/"+name+"/remote:1.0.0")
	require.NoError(t, err, "the image is in the engine")
	assert.Equal(t, "1.0.0", insp.Config.Labels[engine.LabelVersion])
	show := mustBake(t, dir, "show", "remote@1.0.0")
	assert.Regexp(t, `builder\s+buildkitd `+regexp.QuoteMeta(buildkittest.Address)+` \(bake-builder/`, show.stdout, "provenance names the buildkitd")

	// Without the client certificate, the buildkitd refuses the build.
	noCert := strings.NewReplacer("  cert: {{CERT}}\n", "", "  key: {{KEY}}\n", "").Replace(remoteProject)
	writeFile(t, filepath.Join(dir, "bake.yaml"), strings.NewReplacer("{{PROJECT}}", name, "{{CA}}", b.CA,
		"{{HASH}}", hex.EncodeToString(sum[:])).Replace(noCert))
	res = bakeEnv(t, dir, []string{"BAKE_SECRET_TOKEN=" + canary}, "release", "remote", "--version", "1.0.1", "--force")
	assert.Equal(t, 1, res.code, "%s", res)
	assert.Contains(t, res.stderr, "with buildkitd at "+buildkittest.Address+": it does not answer, or refused bake's connection")
	assert.Contains(t, res.stderr, "bake presented no client certificate: a buildkitd with mutual TLS needs builder.cert and builder.key")

	// BUILDKIT_HOST comes before builder.address: here the daemon's unix
	// socket, which needs no certificate.
	env := []string{"BAKE_SECRET_TOKEN=" + canary, "BUILDKIT_HOST=unix://" + b.Socket}
	res = bakeEnv(t, dir, env, "release", "remote", "--version", "1.0.2", "--force")
	require.Equal(t, 0, res.code, "%s", res)
	assert.Contains(t, res.stderr, "exporting to docker image format", "the buildkitd built it")
}

// authBaseProject releases to the TLS + htpasswd registry: child builds
// FROM the release of bb by digest, which the builder pulls from that
// registry with the credentials bake has.
const authBaseProject = `project: {{PROJECT}}
registry: {address: {{REGISTRY}}, ca: {{CA}}}
ledger: ledger.db
{{BUILDER}}
images:
  bb:
    template: templates/bb
    context: images/bb
  child:
    template: templates/child
    context: images/bb
    base: bb
    checks:
      - name: built-on-bb
        command: {argv: ["/bin/cat", "/child"], stdout: '^{{PROJECT}}$'}
environments:
  - name: dev
    targets: {}
`

// The base release comes from the authenticated registry: the engine pulls
// it with bake's credentials before its own BuildKit builds (bb's local
// image is removed first), and a buildkitd pulls it itself with the
// credentials bake answers its session with.
func TestBuildPullsTheBaseWithBakesCredentials(t *testing.T) {
	t.Parallel()
	reg := registrytest.Find(t)
	builders := map[string]func(t *testing.T) string{
		"engine": func(*testing.T) string { return "" },
		"buildkitd": func(t *testing.T) string {
			b := buildkittest.Find(t)
			return fmt.Sprintf("builder: {address: %s, ca: %s, cert: %s, key: %s}", b.Address, b.CA, b.Cert, b.Key)
		},
	}
	for which, builder := range builders {
		t.Run(which, func(t *testing.T) {
			t.Parallel()
			name := "e2e-" + randomHex(t, 4)
			dir := t.TempDir()
			t.Cleanup(func() { removeProject(t, name, nil, true) })
			writeFile(t, filepath.Join(dir, "bake.yaml"), strings.NewReplacer("{{PROJECT}}", name, "{{BUILDER}}", builder(t),
				"{{REGISTRY}}", reg.Address, "{{CA}}", reg.CA).Replace(authBaseProject))
			writeFile(t, filepath.Join(dir, "templates", "bb", "Dockerfile.tmpl"),
				"FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n")
			writeFile(t, filepath.Join(dir, "templates", "child", "Dockerfile.tmpl"), "FROM {{ .Base }}\nRUN echo "+name+" > /child\n")
			busybox, err := os.ReadFile("/bin/busybox")
			require.NoError(t, err, "busybox-static must be installed: scripts/services.sh up")
			require.NoError(t, os.MkdirAll(filepath.Join(dir, "images", "bb"), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "images", "bb", "busybox"), busybox, 0o755))

			env := append([]string{"DOCKER_CONFIG=" + t.TempDir()}, reg.Env()...)
			res := bakeEnv(t, dir, env, "release", "bb", "--version", "1.0.0")
			require.Equal(t, 0, res.code, "%s", res)
			require.NoError(t, removeImages(context.Background(), name))
			res = bakeEnv(t, dir, env, "release", "child", "--version", "1.0.0")
			require.Equal(t, 0, res.code, "%s", res)
			assert.Contains(t, bakeEnv(t, dir, env, "show", "child@1.0.0").stdout, reg.Address+"/"+name+"/child@sha256:")
		})
	}
}
