package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/engine"
)

// plainSecretDockerfile is a Dockerfile a team already has: it mounts the
// secret itself, as `docker build --secret` users write it, and keeps only
// the value's sha256, proof that the step got it.
const plainSecretDockerfile = `FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
ARG run
RUN echo "$run" > /run-id
RUN --mount=type=secret,id=token,required=true printf %s "$(cat /run/secrets/token)" | sha256sum | cut -d' ' -f1 > /token.sha256
CMD ["cat", "/token.sha256"]
`

// TestPlainDockerfileGetsItsSecrets releases an image whose plain
// Dockerfile mounts a declared secret: the step gets the value over the
// build's session and the value is nowhere in the image, its history, the
// ledger or what show prints. With `builder: legacy`, which cannot mount
// it, the same image is refused before anything is built.
func TestPlainDockerfileGetsItsSecrets(t *testing.T) {
	t.Parallel()
	canary := "canary-" + randomHex(t, 16)
	sum := sha256.Sum256([]byte(canary))
	hash := hex.EncodeToString(sum[:])
	name := "e2e-" + randomHex(t, 4)
	dir := t.TempDir()
	t.Cleanup(func() { removeProject(t, name, nil, true) })
	config := `project: ` + name + `
registry: 127.0.0.1:5000
ledger: ledger.db
images:
  api:
    dockerfile: Dockerfile
    secrets: [token]
    vars: {run: ` + name + `}
    checks:
      - name: received
        command: {argv: ["/bin/cat", "/token.sha256"], stdout: '^` + hash + `$'}
environments:
  - name: dev
    targets: {}
`
	writeFile(t, filepath.Join(dir, "bake.yaml"), config)
	writeFile(t, filepath.Join(dir, "Dockerfile"), plainSecretDockerfile)
	busybox, err := os.ReadFile("/bin/busybox")
	require.NoError(t, err, "busybox-static must be installed: scripts/services.sh up")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "busybox"), busybox, 0o755))

	// Without secrets: in bake.yaml the step would run without it: refused.
	writeFile(t, filepath.Join(dir, "bake.yaml"), strings.Replace(config, "    secrets: [token]\n", "", 1))
	res := bake(t, dir, "release", "api", "--version", "0.9.0")
	assert.Equal(t, 2, res.code, res.String())
	assert.Contains(t, res.stderr, `Dockerfile:6 mounts secret "token", which the image does not declare: add it to secrets (its value comes from BAKE_SECRET_TOKEN)`)
	writeFile(t, filepath.Join(dir, "bake.yaml"), config)

	c := &canarySearch{t: t, canary: []byte(canary)}
	env := []string{"BAKE_SECRET_TOKEN=" + canary}
	res = bakeEnv(t, dir, env, "release", "api", "--version", "1.0.0")
	require.Equal(t, 0, res.code, res.String())
	c.search("stdout of release", []byte(res.stdout))
	c.search("stderr of release", []byte(res.stderr))
	for _, args := range [][]string{{"show", "api@1.0.0"}, {"show", "api@1.0.0", "-o", "json"}} {
		res := mustBake(t, dir, args...)
		c.search(strings.Join(args, " "), []byte(res.stdout))
	}
	assert.Regexp(t, `builder\s+docker buildkit \(bake-builder/`, mustBake(t, dir, "show", "api@1.0.0").stdout, "provenance names the engine's BuildKit")
	ledgers, err := filepath.Glob(filepath.Join(dir, "ledger.db*"))
	require.NoError(t, err)
	for _, f := range ledgers {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		c.search(filepath.Base(f), b)
	}

	ctx := context.Background()
	eng, err := engine.Connect(ctx)
	require.NoError(t, err)
	defer eng.Close()
	image := "127.0.0.1:5000/" + name + "/api:1.0.0"
	save, err := eng.ImageSave(ctx, []string{image})
	require.NoError(t, err)
	saved, err := io.ReadAll(save)
	save.Close()
	require.NoError(t, err)
	c.searchTar("docker save", saved)
	hist, err := eng.ImageHistory(ctx, image)
	require.NoError(t, err)
	histJSON, _ := json.Marshal(hist)
	c.search("history", histJSON)
	assert.Equal(t, hash+"\n", readImageFile(t, saved, "token.sha256"), "the step got the secret")
	assert.Empty(t, c.found, "the secret's value was found")

	// The legacy builder has no secret mounts: refused, nothing built.
	writeFile(t, filepath.Join(dir, "bake.yaml"), config+"builder: legacy\n")
	res = bakeEnv(t, dir, env, "release", "api", "--version", "1.0.1")
	assert.Equal(t, 2, res.code, res.String())
	assert.Contains(t, res.stderr, `image "api" has secrets, which the legacy builder cannot mount into a plain Dockerfile`)
}

// TestInitDeclaresTheSecretsADockerfileMounts: `bake init` on a Dockerfile
// whose RUN steps mount secrets declares them in bake.yaml and says which
// variables to set.
func TestInitDeclaresTheSecretsADockerfileMounts(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "e2e-"+randomHex(t, 4))
	require.NoError(t, os.MkdirAll(dir, 0o755))
	writeFile(t, filepath.Join(dir, "Dockerfile"), plainSecretDockerfile)
	res := mustBake(t, dir, "init")
	assert.Regexp(t, `secret\s+token \(mounted by a RUN step; set BAKE_SECRET_TOKEN to build\)`, res.stdout)
	config, err := os.ReadFile(filepath.Join(dir, "bake.yaml"))
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^    secrets: \[token\]`, string(config))
	mustBake(t, dir, "config", "validate")
}
