package e2e

import (
	"context"
	"database/sql"
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/bakehq/bake/internal/engine"
)

// signedDoc is what `bake show -o json` says about a release's artifact and signature.
type signedDoc struct {
	Status     string `json:"status"`
	Digest     string `json:"digest"`
	Reference  string `json:"reference"`
	Signature  string `json:"signature"`
	SigningKey string `json:"signing_key"`
}

// signingSection is the signing: section `bake keygen` prints, as
// TestSigning writes it into bake.yaml ("" for none).
const (
	signingWithKey  = "signing:\n  key: .bake/signing.key\n  public_keys: [.bake/signing.key.pub]\n"
	signingKeysOnly = "signing:\n  public_keys: [.bake/signing.key.pub]\n"
)

// TestSigning: with bake.yaml trusting the key `bake keygen` made, every
// release is signed when recorded; a release whose ledger row was edited
// afterwards, or one recorded unsigned, is refused by promote and rollback
// (exit 3) before anything is deployed or recorded; `bake release` without
// the key refuses before it builds (exit 2); and re-pointing the registry
// tag of a release changes nothing that promote or rollback deploy.
func TestSigning(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	res := mustBake(t, p.Dir, "keygen")
	keyID := strings.TrimPrefix(lineWith(t, res.stdout, "key id "), "key id ")
	require.Regexp(t, `^sha256:[0-9a-f]{64}$`, keyID)
	st, err := os.Stat(filepath.Join(p.Dir, ".bake", "signing.key"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "the private key is readable by its owner only")
	assert.Contains(t, res.stdout, "public_keys: [.bake/signing.key.pub]")
	res = bake(t, p.Dir, "keygen")
	assert.Equal(t, 2, res.code, "an existing key is never overwritten without --force: %s", res)

	t.Run("release without the key is refused before anything is built", func(t *testing.T) {
		p.writeSigning(t, signingKeysOnly)
		images := projectImages(t, p.Name)
		res := bake(t, p.Dir, "release", "svc", "--version", "0.9.0")
		assert.Equal(t, 2, res.code, res.String())
		assert.Contains(t, res.stderr, "no signing key was given: set BAKE_SIGNING_KEY")

		mustBake(t, p.Dir, "keygen", "--out", filepath.Join(p.Dir, "other.key"))
		res = bakeEnv(t, p.Dir, []string{"BAKE_SIGNING_KEY_FILE=" + filepath.Join(p.Dir, "other.key")}, "release", "svc", "--version", "0.9.0")
		assert.Equal(t, 2, res.code, res.String())
		assert.Contains(t, res.stderr, "is not among signing.public_keys in bake.yaml")
		// Nothing was released yet: a ledger, if the refusals made one, is empty.
		if _, err := os.Stat(filepath.Join(p.Dir, "ledger.db")); err == nil {
			h := history(t, p, "")
			assert.Empty(t, h.Releases, "nothing recorded")
			assert.Empty(t, h.Deployments, "nothing recorded")
		}
		assert.Equal(t, images, projectImages(t, p.Name), "nothing built")
	})

	// 1.0.0 is signed with the key bake.yaml names, 1.1.0 with the key
	// given as CI gives it: its PEM text in BAKE_SIGNING_KEY.
	p.writeSigning(t, signingWithKey)
	res = mustBake(t, p.Dir, "release", "svc", "--version", "1.0.0")
	assert.Regexp(t, `(?m)^signed\s+by `+keyID[:19]+`$`, res.stdout)
	p.writeSigning(t, signingKeysOnly)
	pem, err := os.ReadFile(filepath.Join(p.Dir, ".bake", "signing.key"))
	require.NoError(t, err)
	res = bakeEnv(t, p.Dir, []string{"BAKE_SIGNING_KEY=" + string(pem)}, "release", "svc", "--version", "1.1.0")
	require.Equal(t, 0, res.code, res.String())
	assert.NotContains(t, res.stdout+res.stderr, strings.Split(string(pem), "\n")[1], "the key is never printed")
	v1, v2 := showSigned(t, p, "1.0.0"), showSigned(t, p, "1.1.0")
	for _, rel := range []signedDoc{v1, v2} {
		assert.Equal(t, keyID, rel.SigningKey)
		sig, err := base64.StdEncoding.DecodeString(rel.Signature)
		assert.NoError(t, err)
		assert.Len(t, sig, 64, "an ed25519 signature")
	}
	assert.Regexp(t, `(?m)^signed\s+by `+keyID+` \(verified with .*signing\.key\.pub\)$`, mustBake(t, p.Dir, "show", "svc@1.0.0").stdout)

	for _, v := range []string{"1.0.0", "1.1.0"} {
		mustBake(t, p.Dir, "promote", "svc@"+v, "--to", "dev")
		assertServes(t, p, "dev", v)
	}

	t.Run("a release pointed at other bytes in the ledger is refused", func(t *testing.T) {
		// Digest and reference changed together, so only the signature can tell.
		restore := editRelease(t, p, "1.0.0", map[string]string{"digest": v2.Digest, "reference": v2.Reference})
		defer restore()
		assertRefused(t, p, "its signature does not match the record (the ledger entry was changed after it was signed)")

		res := bake(t, p.Dir, "promote", "svc@1.0.0", "--to", "qa", "--plan", "-o", "json")
		assert.Equal(t, 3, res.code, res.String())
		var plan planDoc
		decodeOne(t, res.stdout, &plan)
		gates := map[string]bool{}
		for _, g := range plan.Gates {
			gates[g.Name] = g.Passed
		}
		assert.Equal(t, map[string]bool{"validated": true, "signed": false, "digest": true, "not revoked": true, "not locked": true, "passed dev": true}, gates)
		assert.Contains(t, mustBake(t, p.Dir, "show", "svc@1.0.0").stdout, "DOES NOT VERIFY: its signature does not match the record")
	})

	t.Run("a release whose status was edited is refused", func(t *testing.T) {
		restore := editRelease(t, p, "1.0.0", map[string]string{"status": "failed"})
		defer restore()
		assertRefused(t, p, "its signature does not match the record")
	})

	t.Run("without signing, a reference that names no digest is still refused", func(t *testing.T) {
		p.writeSigning(t, "")
		defer p.writeSigning(t, signingKeysOnly)
		restore := editRelease(t, p, "1.0.0", map[string]string{"reference": "127.0.0.1:5000/" + p.Name + "/svc:1.0.0"})
		defer restore()
		assertRefused(t, p, "its artifact does not match its digest: its reference 127.0.0.1:5000/"+p.Name+"/svc:1.0.0 names no digest, and bake deploys only by digest")
	})

	t.Run("a release recorded unsigned is refused once signatures are required", func(t *testing.T) {
		p.writeSigning(t, "")
		p.release(t, "1.2.0")
		p.writeSigning(t, signingKeysOnly)
		assert.Empty(t, showSigned(t, p, "1.2.0").Signature)
		before := history(t, p, "")
		res := bake(t, p.Dir, "promote", "svc@1.2.0", "--to", "dev")
		assert.Equal(t, 3, res.code, res.String())
		assert.Contains(t, res.stderr, "bake: refusing svc@1.2.0: it is not signed")
		assert.Equal(t, before, history(t, p, ""))
		assertServes(t, p, "dev", "1.1.0")
	})

	t.Run("re-pointing the registry tag changes nothing deployed", func(t *testing.T) {
		repo := "127.0.0.1:5000/" + p.Name + "/svc"
		v1ID := repointTag(t, repo, "1.1.0", "1.0.0", v1.Reference)
		assert.Equal(t, v2.Digest, registryTagDigest(t, p.Name, "1.0.0"), "the tag 1.0.0 now names 1.1.0's image")

		// qa never ran anything: its replicas start from the registry, by digest.
		mustBake(t, p.Dir, "promote", "svc", "--from", "dev", "--to", "qa")
		assertServes(t, p, "qa", "1.1.0")
		mustBake(t, p.Dir, "rollback", "svc", "--env", "dev", "--yes")
		assertServes(t, p, "dev", "1.0.0")
		mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "qa")
		assertServes(t, p, "qa", "1.0.0")
		assert.Equal(t, v1ID, imageID(t, v1.Reference), "qa's replicas pulled 1.0.0 from the registry by digest")
		for _, env := range []string{"dev", "qa"} {
			assertRunsImage(t, p, env, v1.Reference, v1ID)
		}
	})
}

// assertRefused checks that promoting svc@1.0.0 to qa and rolling dev back
// to it (dev runs 1.1.0) both exit 3 with why, and change nothing.
func assertRefused(t *testing.T, p *project, why string) {
	t.Helper()
	before := history(t, p, "")
	res := bake(t, p.Dir, "promote", "svc@1.0.0", "--to", "qa")
	assert.Equal(t, 3, res.code, res.String())
	assert.Contains(t, res.stderr, "bake: refusing svc@1.0.0: "+why)
	res = bake(t, p.Dir, "rollback", "svc", "--env", "dev", "--yes")
	assert.Equal(t, 3, res.code, res.String())
	assert.Contains(t, res.stderr, `bake: rolling back svc in "dev": refusing svc@1.0.0: `+why)
	assert.Equal(t, before, history(t, p, ""), "nothing recorded")
	assertServes(t, p, "dev", "1.1.0")
	qa, err := listContainers(context.Background(), engine.LabelProject+"="+p.Name, engine.LabelEnv+"=qa")
	require.NoError(t, err)
	assert.Empty(t, qa, "nothing deployed to qa")
}

// writeSigning rewrites bake.yaml with section before images: ("" for none).
func (p *project) writeSigning(t *testing.T, section string) {
	t.Helper()
	p.writeConfig(t)
	data, err := os.ReadFile(p.ConfigPath())
	require.NoError(t, err)
	writeFile(t, p.ConfigPath(), strings.Replace(string(data), "images:\n", section+"images:\n", 1))
}

// editRelease changes columns of a release's row in the SQLite ledger
// behind bake's back, as anyone who can write the file could (dropping any
// trigger that guards the table first), and returns what puts them back.
func editRelease(t *testing.T, p *project, version string, set map[string]string) (restore func()) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(p.Dir, "ledger.db"))
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'releases'`)
	require.NoError(t, err)
	var triggers []string
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		triggers = append(triggers, name)
	}
	require.NoError(t, rows.Close())
	for _, name := range triggers {
		_, err := db.Exec(`DROP TRIGGER "` + name + `"`)
		require.NoError(t, err)
	}
	old := map[string]string{}
	for column, value := range set {
		var was string
		require.NoError(t, db.QueryRow(`SELECT `+column+` FROM releases WHERE image = 'svc' AND version = ?`, version).Scan(&was))
		old[column] = was
		_, err := db.Exec(`UPDATE releases SET `+column+` = ? WHERE image = 'svc' AND version = ?`, value, version)
		require.NoError(t, err)
	}
	return func() {
		if len(old) > 0 {
			editRelease(t, p, version, old)
		}
	}
}

// showSigned is `bake show svc@VERSION -o json`.
func showSigned(t *testing.T, p *project, version string) signedDoc {
	t.Helper()
	var doc signedDoc
	decodeOne(t, mustBake(t, p.Dir, "show", "svc@"+version, "-o", "json").stdout, &doc)
	return doc
}

// repointTag moves the registry tag to of repo to the image tagged from,
// as `docker tag` and `docker push` would, and removes the engine's
// reference to ref (the release's repo@digest), so the next replica of it
// is pulled from the registry. It returns the image id ref named.
func repointTag(t *testing.T, repo, from, to, ref string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	eng, err := engine.Connect(ctx)
	require.NoError(t, err)
	defer eng.Close()
	id := imageID(t, ref)
	_, err = eng.ImageTag(ctx, client.ImageTagOptions{Source: repo + ":" + from, Target: repo + ":" + to})
	require.NoError(t, err)
	push, err := eng.ImagePush(ctx, repo+":"+to, client.ImagePushOptions{RegistryAuth: base64.URLEncoding.EncodeToString([]byte("{}"))})
	require.NoError(t, err)
	require.NoError(t, engine.ReadStream(push, nil, nil))
	require.NoError(t, push.Close())
	_, err = eng.ImageRemove(ctx, ref, client.ImageRemoveOptions{Force: true})
	require.NoError(t, err)
	_, err = eng.ImageInspect(ctx, ref)
	require.Error(t, err, "the engine no longer knows %s", ref)
	return id
}

// imageID is the id of the image the engine knows as ref.
func imageID(t *testing.T, ref string) string {
	t.Helper()
	ctx := context.Background()
	eng, err := engine.Connect(ctx)
	require.NoError(t, err)
	defer eng.Close()
	img, err := eng.ImageInspect(ctx, ref)
	require.NoError(t, err, "the engine knows %s", ref)
	return img.ID
}

// registryTagDigest is the manifest digest the registry serves for a tag of svc.
func registryTagDigest(t *testing.T, project, tag string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodHead, "http://127.0.0.1:5000/v2/"+project+"/svc/manifests/"+tag, nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return resp.Header.Get("Docker-Content-Digest")
}

// assertRunsImage checks that every running replica of svc in env was
// created from ref and runs the image id imageID.
func assertRunsImage(t *testing.T, p *project, env, ref, imageID string) {
	t.Helper()
	ctx := context.Background()
	eng, err := engine.Connect(ctx)
	require.NoError(t, err)
	defer eng.Close()
	list, err := eng.ContainerList(ctx, client.ContainerListOptions{Filters: client.Filters{}.Add("label",
		engine.LabelProject+"="+p.Name, engine.LabelEnv+"="+env, engine.LabelKind+"="+engine.KindReplica)})
	require.NoError(t, err)
	require.NotEmpty(t, list.Items, "%s runs replicas", env)
	for _, c := range list.Items {
		got, err := eng.ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{})
		require.NoError(t, err)
		assert.Equal(t, ref, got.Container.Config.Image, "%s replica %s was created from the release's digest", env, c.Names)
		assert.Equal(t, imageID, got.Container.Image, "%s replica %s runs the signed image", env, c.Names)
	}
}

// lineWith returns the line of out that starts with prefix.
func lineWith(t *testing.T, out, prefix string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, prefix) {
			return strings.TrimSpace(line)
		}
	}
	t.Fatalf("no line starting %q in:\n%s", prefix, out)
	return ""
}
