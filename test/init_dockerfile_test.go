package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// versionedDockerfile declares BAKE_VERSION and hands it to the service,
// which answers / with it.
const versionedDockerfile = `FROM scratch
ARG BAKE_VERSION=unset
ENV SVC_VERSION=$BAKE_VERSION
COPY svc /svc
EXPOSE 8080
ENTRYPOINT ["/svc"]
`

// unversionedDockerfile declares no build argument: nothing about it changes
// from one release to the next.
const unversionedDockerfile = `FROM scratch
ENV SVC_VERSION=fixed
COPY svc /svc
EXPOSE 8080/tcp
ENTRYPOINT ["/svc"]
`

// TestInitAdoptsADockerfile makes a project of a directory that holds only a
// service and its Dockerfile: `bake init` writes a bake.yaml that builds the
// Dockerfile as it is, and release and promote work on it. A Dockerfile that
// declares ARG BAKE_VERSION gets the release's version; one that declares no
// argument is not rebuilt while its sources stay the same, though the ledger
// in the same directory changes with every release.
func TestInitAdoptsADockerfile(t *testing.T) {
	t.Parallel()
	name := "e2e-" + randomHex(t, 4)
	dir := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	bin, err := os.ReadFile(svcBin)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "svc"), bin, 0o755))
	writeFile(t, filepath.Join(dir, "Dockerfile"), versionedDockerfile)
	t.Cleanup(func() { removeProject(t, name, routeIDs(name, name), true) })

	res := mustBake(t, dir, "init")
	assert.Contains(t, res.stdout, "adopting Dockerfile, built as it is (found in .;")
	assert.Regexp(t, `port\s+8080 \(from EXPOSE\)`, res.stdout)
	assert.Regexp(t, `check\s+http GET / answers 200 \(assumed: `, res.stdout)
	assert.Regexp(t, `build args\s+BAKE_VERSION\n`, res.stdout)
	assert.Contains(t, res.stdout, "next: bake release "+name+" && bake promote "+name+"@<version> --to dev\n")
	config, err := os.ReadFile(filepath.Join(dir, "bake.yaml"))
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^project: `+name+`$`, string(config))
	assert.Regexp(t, `(?m)^    dockerfile: "Dockerfile"$`, string(config))
	assert.FileExists(t, filepath.Join(dir, ".dockerignore"))

	// It never writes over a bake.yaml.
	again := bake(t, dir, "init")
	assert.Equal(t, 2, again.code, again.String())
	assert.Contains(t, again.stderr, "bake.yaml already exists")
	unchanged, err := os.ReadFile(filepath.Join(dir, "bake.yaml"))
	require.NoError(t, err)
	assert.Equal(t, string(config), string(unchanged))

	dev := regexp.MustCompile(`listen: "(127\.0\.0\.1:\d+)"`).FindStringSubmatch(string(config))
	require.NotNil(t, dev, "no listen address in:\n%s", config)
	mustBake(t, dir, "release", name, "--version", "1.0.0")
	mustBake(t, dir, "promote", name+"@1.0.0", "--to", "dev")
	code, body := get(t, "http://"+dev[1]+"/")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "svc 1.0.0\n", body, "BAKE_VERSION reached the build")

	// A declared BAKE_VERSION is an input: each release builds anew.
	res = mustBake(t, dir, "release", name, "--version", "1.0.1")
	assert.NotContains(t, res.stdout, "inputs unchanged")

	// Declaring nothing, the image is the same for every release: built once.
	writeFile(t, filepath.Join(dir, "Dockerfile"), unversionedDockerfile)
	res = mustBake(t, dir, "release", name, "--version", "1.1.0")
	assert.NotContains(t, res.stdout, "inputs unchanged")
	res = mustBake(t, dir, "release", name, "--version", "1.2.0")
	assert.Contains(t, res.stdout, "the artifact of "+name+"@1.1.0 (inputs unchanged)")
	assert.NotContains(t, res.stderr, "load build definition", "the builder ran for unchanged inputs")
	mustBake(t, dir, "promote", name+"@1.2.0", "--to", "dev")
	code, body = get(t, "http://"+dev[1]+"/")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "svc fixed\n", body)
}

// TestInitFromADockerfileInADirectoryOfItsOwn adopts build/Dockerfile whose
// COPY takes the service from the project's directory, as `docker build -f
// build/Dockerfile .` builds it: the context is the project's directory,
// and the release builds.
func TestInitFromADockerfileInADirectoryOfItsOwn(t *testing.T) {
	t.Parallel()
	name := "e2e-" + randomHex(t, 4)
	dir := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "build"), 0o755))
	bin, err := os.ReadFile(svcBin)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "svc"), bin, 0o755))
	writeFile(t, filepath.Join(dir, "build", "Dockerfile"), versionedDockerfile)
	t.Cleanup(func() { removeProject(t, name, nil, true) })

	res := mustBake(t, dir, "init", "--from", "build/Dockerfile")
	assert.Contains(t, res.stdout, "image       "+name+", context .\n")
	res = mustBake(t, dir, "release", name, "--version", "1.0.0")
	assert.Contains(t, res.stdout, "released "+name+"@1.0.0")
}
