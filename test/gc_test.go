package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/engine"
)

// gcDoc is `bake gc -o json`.
type gcDoc struct {
	DryRun  bool     `json:"dry_run"`
	Project string   `json:"project"`
	Items   []gcItem `json:"items"`
	Kept    []struct {
		Image   string   `json:"image"`
		Version string   `json:"version"`
		Digest  string   `json:"digest"`
		Reasons []string `json:"reasons"`
	} `json:"kept"`
}

type gcItem struct {
	Kind     string   `json:"kind"`
	Name     string   `json:"name"`
	ID       string   `json:"id"`
	Releases []string `json:"releases"`
	Env      string   `json:"env"`
	Removed  bool     `json:"removed"`
	Error    string   `json:"error"`
}

// TestGC releases svc five times with every environment keeping one
// rollback candidate: dev runs 1.3.0 (1.2.0 kept for rollback), qa runs
// 1.2.0, and 1.4.0 waits for dev. A dry run lists the replica, images and
// manifests of 1.0.0 and 1.1.0 and an untagged build, and removes nothing;
// gc removes them (one image a container still uses stays, and gc exits 1
// saying so); what is protected still promotes and rolls back, pulling
// from the registry where the local image is gone.
func TestGC(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newProject(t, projectOptions{})
	writeFile(t, p.ConfigPath(), keepOneRelease(t, p))
	eng, err := engine.Connect(ctx)
	require.NoError(t, err)
	defer eng.Close()
	repo := "127.0.0.1:5000/" + p.Name + "/svc"

	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0"} {
		p.release(t, v)
	}
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0"} {
		mustBake(t, p.Dir, "promote", "svc@"+v, "--to", "dev")
	}
	mustBake(t, p.Dir, "promote", "svc", "--from", "dev", "--to", "qa")
	mustBake(t, p.Dir, "promote", "svc@1.3.0", "--to", "dev")
	digest := map[string]string{}
	for _, r := range history(t, p, "").Releases {
		digest[r.Version] = r.Digest
	}

	// A stopped replica of 1.0.0 that an interrupted retire left in dev.
	leftover := "bake-" + p.Name + "-dev-svc-1.0.0-0ld0ld0ld0ld-1"
	_, err = eng.ContainerCreate(ctx, client.ContainerCreateOptions{Name: leftover, Config: &container.Config{
		Image: repo + "@" + digest["1.0.0"],
		Labels: engine.Labels("0ld0ld0ld0ld", engine.KindReplica, map[string]string{
			engine.LabelProject: p.Name, engine.LabelEnv: "dev", engine.LabelImage: "svc",
			engine.LabelVersion: "1.0.0", engine.LabelDigest: digest["1.0.0"],
		}),
	}})
	require.NoError(t, err)
	// Building a version again untags the first build.
	var first, second buildDoc
	decodeOne(t, mustBake(t, p.Dir, "build", "svc", "--version", "0.0.0-gc", "-o", "json").stdout, &first)
	time.Sleep(1100 * time.Millisecond) // the image's created label has seconds
	decodeOne(t, mustBake(t, p.Dir, "build", "svc", "--version", "0.0.0-gc", "-o", "json").stdout, &second)
	require.NotEqual(t, first.ImageID, second.ImageID)

	gone := []string{repo + ":1.0.0", repo + ":1.1.0", repo + "@" + digest["1.0.0"], repo + "@" + digest["1.1.0"], first.ImageID}
	kept := []string{repo + ":1.2.0", repo + ":1.3.0", repo + ":1.4.0", repo + ":0.0.0-gc", repo + "@" + digest["1.2.0"]}
	wantItems := []string{
		"replica " + leftover,
		"image " + repo + ":1.0.0", "image " + repo + ":1.1.0", "image " + first.ImageID[:len("sha256:")+12],
		"manifest " + repo + "@" + digest["1.0.0"], "manifest " + repo + "@" + digest["1.1.0"],
	}
	replicasBefore := replicaNames(t, p)

	t.Run("dry run removes nothing", func(t *testing.T) {
		res := mustBake(t, p.Dir, "gc", "--dry-run")
		for _, name := range []string{leftover, repo + ":1.0.0", repo + ":1.1.0", repo + "@" + digest["1.1.0"], "untagged svc"} {
			assert.Contains(t, res.stdout, name)
		}
		assert.Contains(t, res.stdout, "dry run: would remove 1 replica, 3 images, 2 registry manifests; nothing was removed; kept 3 releases", res)

		var doc gcDoc
		decodeOne(t, mustBake(t, p.Dir, "gc", "--dry-run", "-o", "json").stdout, &doc)
		assert.True(t, doc.DryRun)
		assert.Equal(t, p.Name, doc.Project)
		assert.ElementsMatch(t, wantItems, itemNames(doc.Items))
		for _, it := range doc.Items {
			assert.False(t, it.Removed, it.Name)
		}
		var keptVersions []string
		for _, k := range doc.Kept {
			keptVersions = append(keptVersions, k.Version)
		}
		assert.Equal(t, []string{"1.4.0", "1.3.0", "1.2.0"}, keptVersions)

		assertImages(t, eng, append(gone, kept...), nil)
		assertManifests(t, repo, digest, []string{"1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0"}, nil)
		assert.Equal(t, replicasBefore, replicaNames(t, p))
	})

	t.Run("an image in use stays and gc exits 1", func(t *testing.T) {
		holder := "gc-holder-" + p.Name
		_, err := eng.ContainerCreate(ctx, client.ContainerCreateOptions{Name: holder, Config: &container.Config{Image: repo + ":1.1.0"}})
		require.NoError(t, err)
		defer func() { assert.NoError(t, engine.Remove(ctx, eng, holder)) }()

		res := bake(t, p.Dir, "gc", "--yes", "-o", "json")
		assert.Equal(t, 1, res.code, res)
		assert.Contains(t, res.stderr, "bake: collecting garbage: 1 of 6 left in place: image "+repo+":1.1.0")
		var doc gcDoc
		decodeOne(t, res.stdout, &doc)
		assert.ElementsMatch(t, wantItems, itemNames(doc.Items))
		for _, it := range doc.Items {
			if it.Name == repo+":1.1.0" {
				assert.False(t, it.Removed)
				assert.Contains(t, it.Error, "is using")
			} else {
				assert.True(t, it.Removed, "%s %s: %s", it.Kind, it.Name, it.Error)
			}
		}
	})

	t.Run("gc removes the rest", func(t *testing.T) {
		res := bake(t, p.Dir, "gc")
		assert.Equal(t, 2, res.code, "something to remove and no terminal: --yes is needed: %s", res)
		res = mustBake(t, p.Dir, "gc", "--yes")
		assert.Regexp(t, `(?m)^image\s+`+regexp.QuoteMeta(repo+":1.1.0")+`\s+svc@1\.1\.0\s+removed$`, res.stdout)
		assert.Contains(t, res.stdout, "removed 1 image; kept 3 releases", res)
		res = mustBake(t, p.Dir, "gc", "--yes")
		assert.Contains(t, res.stdout, "nothing to collect; kept 3 releases", res)
		// Nothing to remove: no question, no --yes needed, as with sweep.
		res = mustBake(t, p.Dir, "gc")
		assert.Contains(t, res.stdout, "nothing to collect; kept 3 releases", res)

		assertImages(t, eng, kept, gone)
		assertManifests(t, repo, digest, []string{"1.2.0", "1.3.0", "1.4.0"}, []string{"1.0.0", "1.1.0"})
		for _, name := range replicaNames(t, p) {
			assert.NotContains(t, name, "-1.0.0-", "replica %s", name)
		}
		assert.ElementsMatch(t, without(replicasBefore, "/"+leftover), replicaNames(t, p))
		assertServes(t, p, "dev", "1.3.0")
		assertServes(t, p, "qa", "1.2.0")
		assert.Len(t, history(t, p, "").Releases, 5, "the ledger keeps every release")
	})

	t.Run("kept releases still deploy", func(t *testing.T) {
		mustBake(t, p.Dir, "rollback", "svc", "--env", "dev", "--yes")
		assertServes(t, p, "dev", "1.2.0")
		// Without its local image, 1.4.0 comes from the registry.
		for _, ref := range []string{repo + ":1.4.0", repo + "@" + digest["1.4.0"]} {
			_, err := eng.ImageRemove(ctx, ref, client.ImageRemoveOptions{PruneChildren: true})
			if !cerrdefs.IsNotFound(err) {
				require.NoError(t, err)
			}
		}
		mustBake(t, p.Dir, "promote", "svc@1.4.0", "--to", "dev")
		assertServes(t, p, "dev", "1.4.0")
		mustBake(t, p.Dir, "promote", "svc", "--from", "dev", "--to", "qa")
		assertServes(t, p, "qa", "1.4.0")
		mustBake(t, p.Dir, "rollback", "svc", "--env", "qa", "--yes")
		assertServes(t, p, "qa", "1.2.0")
	})
}

// keepOneRelease is p's bake.yaml with every environment keeping one
// rollback candidate.
func keepOneRelease(t *testing.T, p *project) string {
	t.Helper()
	var b strings.Builder
	require.NoError(t, configTemplate.Execute(&b, p))
	out := b.String()
	for _, env := range envNames {
		out = strings.Replace(out, "  - name: "+env+"\n", "  - name: "+env+"\n    retention: {releases: 1}\n", 1)
	}
	require.Equal(t, len(envNames), strings.Count(out, "retention:"), out)
	return out
}

func itemNames(items []gcItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Kind+" "+it.Name)
	}
	return out
}

// replicaNames lists p's replica containers, running or not.
func replicaNames(t *testing.T, p *project) []string {
	t.Helper()
	list, err := listContainers(context.Background(), engine.LabelProject+"="+p.Name, engine.LabelKind+"="+engine.KindReplica)
	require.NoError(t, err)
	var out []string
	for _, c := range list {
		out = append(out, c.Name)
	}
	sort.Strings(out)
	return out
}

func without(list []string, drop string) []string {
	var out []string
	for _, s := range list {
		if s != drop {
			out = append(out, s)
		}
	}
	return out
}

// assertImages checks which references (or image ids) the engine knows.
func assertImages(t *testing.T, eng *client.Client, present, absent []string) {
	t.Helper()
	for _, ref := range present {
		_, err := eng.ImageInspect(context.Background(), ref)
		assert.NoError(t, err, "image %s", ref)
	}
	for _, ref := range absent {
		_, err := eng.ImageInspect(context.Background(), ref)
		assert.True(t, cerrdefs.IsNotFound(err), "image %s is still there (%v)", ref, err)
	}
}

// assertManifests checks which releases' manifests and tags the registry has.
func assertManifests(t *testing.T, repo string, digest map[string]string, present, absent []string) {
	t.Helper()
	path := "http://127.0.0.1:5000/v2/" + strings.TrimPrefix(repo, "127.0.0.1:5000/")
	var tags struct {
		Tags []string `json:"tags"`
	}
	resp, err := http.Get(path + "/tags/list")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tags))
	head := func(version string) int {
		req, err := http.NewRequest(http.MethodHead, path+"/manifests/"+digest[version], nil)
		require.NoError(t, err)
		req.Header.Set("Accept", "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, v := range present {
		assert.Equal(t, http.StatusOK, head(v), "manifest of %s", v)
		assert.Contains(t, tags.Tags, v, "tag %s", v)
	}
	for _, v := range absent {
		assert.Equal(t, http.StatusNotFound, head(v), "manifest of %s", v)
		assert.NotContains(t, tags.Tags, v, "tag %s", v)
	}
}

// TestGCKeepsHotfixWaitingForPromotion: a release recorded after a newer
// version entered the first environment (a hotfix 1.0.1 after 1.1.0) waits
// for promotion: gc keeps its artifact, and it promotes afterwards.
func TestGCKeepsHotfixWaitingForPromotion(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	p.release(t, "1.1.0")
	mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")
	p.release(t, "1.0.1")

	res := mustBake(t, p.Dir, "gc", "--dry-run")
	assert.Contains(t, res.stdout, "kept svc@1.0.1: waiting to enter dev", "the hotfix waits for dev")
	for _, line := range strings.Split(res.stdout, "\n") {
		if strings.Contains(line, "svc@1.0.1") {
			assert.NotContains(t, line, "would remove", "the hotfix waits for dev")
		}
	}
	mustBake(t, p.Dir, "gc", "--yes")
	res = mustBake(t, p.Dir, "promote", "svc@1.0.1", "--to", "dev")
	assert.Contains(t, res.stdout, "promoted svc in dev to 1.0.1 (was 1.1.0)")
}
