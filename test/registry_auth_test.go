package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/moby/moby/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/registry"
	"github.com/bakehq/bake/internal/registry/registrytest"
)

// authProject is a project whose registry is the TLS + htpasswd one of
// scripts/services.sh, trusted through registry.ca, with the Docker
// config directory of its own (empty unless a test writes one).
type authProject struct {
	*project
	reg       registrytest.AuthRegistry
	configDir string
}

func newAuthProject(t *testing.T) *authProject {
	t.Helper()
	reg := registrytest.Find(t)
	p := newProject(t, projectOptions{Registry: fmt.Sprintf("{address: %s, ca: %s}", reg.Address, reg.CA)})
	writeFile(t, p.ConfigPath(), keepOneRelease(t, p))
	return &authProject{project: p, reg: reg, configDir: t.TempDir()}
}

// run runs bake with the project's Docker config directory and env.
func (p *authProject) run(t *testing.T, env []string, args ...string) result {
	t.Helper()
	return bakeEnv(t, p.Dir, append([]string{"DOCKER_CONFIG=" + p.configDir, "BAKE_REGISTRY_USER=", "BAKE_REGISTRY_PASSWORD="}, env...), args...)
}

func (p *authProject) mustRun(t *testing.T, env []string, args ...string) result {
	t.Helper()
	res := p.run(t, env, args...)
	require.Equal(t, 0, res.code, "bake %s\n%s", strings.Join(args, " "), res)
	return res
}

// TestRegistryAuth releases, promotes, shows, verifies and collects
// garbage against a registry that requires credentials over TLS, with the
// credentials from BAKE_REGISTRY_USER and then from config.json's auths;
// the engine pulls a release whose local image is gone with them, and a
// promote whose pull the registry would refuse fails before it starts.
func TestRegistryAuth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newAuthProject(t)
	env := p.reg.Env()
	repo := p.reg.Address + "/" + p.Name + "/svc"

	p.mustRun(t, env, "release", "svc", "--version", "1.0.0")
	var rel struct{ Status, Digest, Reference string }
	decodeOne(t, p.mustRun(t, env, "show", "svc@1.0.0", "-o", "json").stdout, &rel)
	assert.Equal(t, "validated", rel.Status)
	assert.Equal(t, repo+"@"+rel.Digest, rel.Reference)

	// The engine pulls 1.0.0 from the registry, with bake's credentials;
	// with a wrong password the promote fails before it starts, and records
	// nothing.
	require.NoError(t, removeImages(ctx, p.Name))
	before := history(t, p.project, "")
	res := p.run(t, []string{"BAKE_REGISTRY_USER=" + p.reg.User, "BAKE_REGISTRY_PASSWORD=wrong"}, "promote", "svc@1.0.0", "--to", "dev")
	assert.Equal(t, 2, res.code, res.String())
	assertClearError(t, res, "pulling "+rel.Reference+": registry "+p.reg.Address+": the credentials from BAKE_REGISTRY_USER were refused")
	assert.Equal(t, before, history(t, p.project, ""), "nothing recorded")
	p.mustRun(t, env, "promote", "svc@1.0.0", "--to", "dev")

	// The same registry with the credentials `docker login` keeps.
	auth := base64.StdEncoding.EncodeToString([]byte(p.reg.User + ":" + p.reg.Password))
	writeFile(t, filepath.Join(p.configDir, "config.json"), `{"auths": {"`+p.reg.Address+`": {"auth": "`+auth+`"}}}`)
	for _, v := range []string{"1.1.0", "1.2.0"} {
		p.mustRun(t, nil, "release", "svc", "--version", v)
		p.mustRun(t, nil, "promote", "svc@"+v, "--to", "dev")
	}
	p.mustRun(t, nil, "verify")

	// 1.0.0 is neither running nor dev's one rollback candidate: gc
	// deletes its manifest from the registry, and keeps the others.
	var doc gcDoc
	decodeOne(t, p.mustRun(t, nil, "gc", "--yes", "-o", "json").stdout, &doc)
	assert.Contains(t, itemNames(doc.Items), "manifest "+repo+"@"+rel.Digest)
	for _, it := range doc.Items {
		assert.True(t, it.Removed, "%s %s: %s", it.Kind, it.Name, it.Error)
	}
	c, err := registry.New(p.reg.Address, registry.Options{CA: p.reg.CA, Keychain: authn.NewKeychainFromHelper(p.reg)})
	require.NoError(t, err)
	_, err = c.Head(ctx, rel.Reference)
	assert.ErrorIs(t, err, registry.ErrNotFound, "gc deleted 1.0.0's manifest")
	_, err = c.Head(ctx, repo+":1.2.0")
	assert.NoError(t, err, "1.2.0 stays")
}

// TestRegistryAuthFailures releases with a wrong password, a credential
// helper that is not installed and with no credentials: each fails within seconds with one line and exit 2, before
// anything is built, and nothing is recorded.
func TestRegistryAuthFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newAuthProject(t)
	args := []string{"release", "svc", "--version", "1.0.0"}

	start := time.Now()
	res := p.run(t, []string{"BAKE_REGISTRY_USER=" + p.reg.User, "BAKE_REGISTRY_PASSWORD=not-" + p.reg.Password}, args...)
	took := time.Since(start)
	assert.Equal(t, 2, res.code, res.String())
	assertClearError(t, res, "releasing svc@1.0.0: registry "+p.reg.Address+": the credentials from BAKE_REGISTRY_USER were refused")
	assert.Less(t, took, 10*time.Second, "a wrong password fails before the build")

	writeFile(t, filepath.Join(p.configDir, "config.json"), `{"auths": {"`+p.reg.Address+`": {"auth": "`+
		base64.StdEncoding.EncodeToString([]byte(p.reg.User+":wrong"))+`"}}}`)
	res = p.run(t, nil, args...)
	assert.Equal(t, 2, res.code, res.String())
	assertClearError(t, res, "the credentials from config.json auths were refused")

	writeFile(t, filepath.Join(p.configDir, "config.json"), `{"credHelpers": {"`+p.reg.Address+`": "bake-not-installed"}}`)
	res = p.run(t, nil, args...)
	assert.Equal(t, 2, res.code, res.String())
	assertClearError(t, res, "the credentials from credHelper bake-not-installed could not be read: docker-credential-bake-not-installed is not installed")

	writeFile(t, filepath.Join(p.configDir, "config.json"), `{}`)
	res = p.run(t, nil, args...)
	assert.Equal(t, 2, res.code, res.String())
	assertClearError(t, res, "registry "+p.reg.Address+" requires credentials and bake found none: set BAKE_REGISTRY_USER")

	assertNotRecorded(t, p.project, nil, "1.0.0")
	eng, err := engine.Connect(ctx)
	require.NoError(t, err)
	defer eng.Close()
	list, err := eng.ImageList(ctx, client.ImageListOptions{Filters: client.Filters{}.Add("label", engine.LabelProject+"="+p.Name)})
	require.NoError(t, err)
	assert.Empty(t, list.Items, "nothing was built")
}

// TestRegistryWrongHost releases to the auth registry under a name its
// certificate does not hold (it names IP 127.0.0.1 only): one line naming
// the certificate problem, exit 2, nothing recorded.
func TestRegistryWrongHost(t *testing.T) {
	t.Parallel()
	reg := registrytest.Find(t)
	p := newProject(t, projectOptions{Registry: "{address: localhost:5443, ca: " + reg.CA + "}"})
	res := bakeEnv(t, p.Dir, append(reg.Env(), "DOCKER_CONFIG="+t.TempDir()), "release", "svc", "--version", "1.0.0")
	assert.Equal(t, 2, res.code, res.String())
	assertClearError(t, res, "registry localhost:5443: its TLS certificate is not valid for this host",
		"name the registry in bake.yaml as its certificate does")
	assertNotReleased(t, p, "1.0.0")
}
