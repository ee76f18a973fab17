package e2e

import (
	"context"
	"encoding/base64"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/moby/moby/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/registry"
	"github.com/bakehq/bake/internal/registry/registrytest"
)

// TestPromoteAcrossRegistries: dev pulls from the open registry releases
// are pushed to, qa from the TLS + htpasswd one (credentials in the Docker
// config, for that registry only). Promoting to qa copies the release
// there by digest, no rebuild, and qa's replicas run the copy; status and
// show say where it lives; a rollback in qa runs the copy of the earlier
// release, which is there already and is not copied again.
func TestPromoteAcrossRegistries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, reg, run := newTwoRegistryProject(t)
	qaRepo := reg.Address + "/" + p.Name + "/svc"
	qa := func(version string) (digest, ref string) {
		var rel struct{ Digest string }
		decodeOne(t, run("show", "svc@"+version, "-o", "json").stdout, &rel)
		return rel.Digest, qaRepo + "@" + rel.Digest
	}

	run("release", "svc", "--version", "1.0.0")
	run("promote", "svc@1.0.0", "--to", "dev")
	dg1, ref1 := qa("1.0.0")
	assert.Contains(t, run("promote", "svc", "--from", "dev", "--to", "qa", "--plan").stdout,
		"copy 127.0.0.1:5000/"+p.Name+"/svc@"+dg1+" to "+ref1+" by digest")
	res := run("promote", "svc", "--from", "dev", "--to", "qa")
	assert.Contains(t, res.stderr, "copied svc@1.0.0")

	// The qa registry holds the manifest by the release's digest.
	c, err := registry.New(reg.Address, registry.Options{CA: reg.CA, Keychain: authn.NewKeychainFromHelper(reg)})
	require.NoError(t, err)
	desc, err := c.Head(ctx, ref1)
	require.NoError(t, err)
	assert.Equal(t, dg1, desc.Digest.String())

	// qa's replicas run the copy, pulled from the qa registry.
	assert.Equal(t, []string{ref1, ref1}, replicaImages(t, p, "qa"))

	var st []struct {
		Environments []struct{ Env, Version, Digest, Reference string }
	}
	decodeStatus(t, run("status", "svc", "-o", "json").stdout, &st)
	require.Len(t, st, 1)
	for _, es := range st[0].Environments {
		switch es.Env {
		case "dev":
			assert.Empty(t, es.Reference, "dev pulls the release's own reference")
		case "qa":
			assert.Equal(t, ref1, es.Reference)
			assert.Equal(t, dg1, es.Digest)
		}
	}
	assert.Contains(t, run("status", "svc").stdout, "qa: pulls "+ref1)
	assert.Regexp(t, `copy for qa\s+`+regexp.QuoteMeta(ref1), run("show", "svc@1.0.0").stdout)

	// A second release reaches qa the same way; rolling qa back runs
	// 1.0.0's copy, which is there already.
	run("release", "svc", "--version", "1.1.0")
	run("promote", "svc@1.1.0", "--to", "dev")
	run("promote", "svc", "--from", "dev", "--to", "qa")
	_, ref2 := qa("1.1.0")
	assert.ElementsMatch(t, []string{ref2, ref2}, runningReplicaImages(t, p, "qa"))
	res = run("rollback", "svc", "--env", "qa", "--yes")
	assert.NotContains(t, res.stderr, "copied", "a copy already in the qa registry is not made again")
	assert.ElementsMatch(t, []string{ref1, ref1}, runningReplicaImages(t, p, "qa"))
	decodeStatus(t, run("status", "svc", "-o", "json").stdout, &st)
	for _, es := range st[0].Environments {
		if es.Env == "qa" {
			assert.Equal(t, "1.0.0", es.Version)
			assert.Equal(t, ref1, es.Reference)
		}
	}
	run("verify")
}

// newTwoRegistryProject makes a project whose qa pulls from the TLS +
// htpasswd registry, with its credentials in a Docker config of the
// project's own (for that registry only), and returns a way to run bake
// that must succeed.
func newTwoRegistryProject(t *testing.T) (*project, registrytest.AuthRegistry, func(args ...string) result) {
	t.Helper()
	reg := registrytest.Find(t)
	p := newProject(t, projectOptions{})
	cfg := strings.Replace(keepOneRelease(t, p), "  - name: qa\n",
		"  - name: qa\n    registry: {address: "+reg.Address+", ca: "+reg.CA+"}\n", 1)
	writeFile(t, p.ConfigPath(), cfg)
	dockerConfig := t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte(reg.User + ":" + reg.Password))
	writeFile(t, filepath.Join(dockerConfig, "config.json"), `{"auths": {"`+reg.Address+`": {"auth": "`+auth+`"}}}`)
	env := []string{"DOCKER_CONFIG=" + dockerConfig, "BAKE_REGISTRY_USER=", "BAKE_REGISTRY_PASSWORD="}
	return p, reg, func(args ...string) result {
		t.Helper()
		res := bakeEnv(t, p.Dir, env, args...)
		require.Equal(t, 0, res.code, "bake %s\n%s", strings.Join(args, " "), res)
		return res
	}
}

// gc deletes the copy in qa's registry of a release no environment runs
// or may roll back to, as it deletes the release's own manifest.
func TestGCCollectsCopies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, reg, run := newTwoRegistryProject(t)
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0"} {
		run("release", "svc", "--version", v)
		run("promote", "svc@"+v, "--to", "dev")
		run("promote", "svc@"+v, "--to", "qa")
	}
	var rel struct{ Digest, Reference string }
	decodeOne(t, run("show", "svc@1.0.0", "-o", "json").stdout, &rel)
	copyRef := reg.Address + "/" + p.Name + "/svc@" + rel.Digest

	var doc gcDoc
	decodeOne(t, run("gc", "--yes", "-o", "json").stdout, &doc)
	names := itemNames(doc.Items)
	assert.Contains(t, names, "manifest "+rel.Reference)
	assert.Contains(t, names, "manifest "+copyRef)
	for _, it := range doc.Items {
		assert.True(t, it.Removed, "%s %s: %s", it.Kind, it.Name, it.Error)
	}
	c, err := registry.New(reg.Address, registry.Options{CA: reg.CA, Keychain: authn.NewKeychainFromHelper(reg)})
	require.NoError(t, err)
	_, err = c.Head(ctx, copyRef)
	assert.ErrorIs(t, err, registry.ErrNotFound, "gc deleted 1.0.0's copy")
	decodeOne(t, run("show", "svc@1.2.0", "-o", "json").stdout, &rel)
	_, err = c.Head(ctx, reg.Address+"/"+p.Name+"/svc@"+rel.Digest)
	assert.NoError(t, err, "the copy qa runs stays")
}

// replicaImages lists the image references env's replica containers of p
// were created from, running or not.
func replicaImages(t *testing.T, p *project, env string) []string {
	t.Helper()
	return containerImages(t, p, env, false)
}

// runningReplicaImages is replicaImages of the running replicas.
func runningReplicaImages(t *testing.T, p *project, env string) []string {
	t.Helper()
	return containerImages(t, p, env, true)
}

func containerImages(t *testing.T, p *project, env string, running bool) []string {
	t.Helper()
	ctx := context.Background()
	eng, err := engine.Connect(ctx)
	require.NoError(t, err)
	defer eng.Close()
	list, err := eng.ContainerList(ctx, client.ContainerListOptions{All: !running, Filters: client.Filters{}.Add("label",
		engine.LabelProject+"="+p.Name, engine.LabelEnv+"="+env, engine.LabelKind+"="+engine.KindReplica)})
	require.NoError(t, err)
	var out []string
	for _, c := range list.Items {
		out = append(out, c.Image)
	}
	return out
}

// A copy the qa registry refuses (no credentials for it) fails the
// promote in one line, exit 2 as for any missing credential, and records
// nothing: qa runs nothing and its history is empty.
func TestPromoteAcrossRegistriesCopyRefused(t *testing.T) {
	t.Parallel()
	reg := registrytest.Find(t)
	p := newProject(t, projectOptions{})
	cfg := strings.Replace(keepOneRelease(t, p), "  - name: qa\n",
		"  - name: qa\n    registry: {address: "+reg.Address+", ca: "+reg.CA+"}\n", 1)
	writeFile(t, p.ConfigPath(), cfg)
	env := []string{"DOCKER_CONFIG=" + t.TempDir(), "BAKE_REGISTRY_USER=", "BAKE_REGISTRY_PASSWORD="}
	for _, args := range [][]string{{"release", "svc", "--version", "1.0.0"}, {"promote", "svc@1.0.0", "--to", "dev"}} {
		res := bakeEnv(t, p.Dir, env, args...)
		require.Equal(t, 0, res.code, res.String())
	}
	res := bakeEnv(t, p.Dir, env, "promote", "svc@1.0.0", "--to", "qa")
	assert.Equal(t, 2, res.code, res.String())
	assertClearError(t, res, "copying svc@1.0.0 to "+reg.Address+": registry "+reg.Address+" requires credentials and bake found none")
	assert.Empty(t, replicaImages(t, p, "qa"))
	var hist struct{ Deployments []struct{ Env string } }
	decodeOne(t, bakeEnv(t, p.Dir, env, "history", "svc", "--env", "qa", "-o", "json").stdout, &hist)
	assert.Empty(t, hist.Deployments, "a refused copy records nothing")
}
