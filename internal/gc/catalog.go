package gc

import (
	"cmp"
	"slices"
	"strings"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/ledger"
)

// catalog indexes the recorded releases of the project's images, to tell
// which release an engine object or a registry reference belongs to.
// Anything it cannot place (another project, an image no longer in
// bake.yaml, a tag no release was recorded under) is left alone.
type catalog struct {
	project string
	// prefixes are REGISTRY/PROJECT/ of the project's registry, then of
	// each environment's own: where the project's repositories are.
	prefixes []string
	envs     map[string]bool
	versions map[string]map[string]ledger.Release   // image -> version -> release
	digests  map[string]map[string][]ledger.Release // image -> digest -> releases
	releases []ledger.Release                       // by image, newest first
	rank     map[string]int                         // image@version -> index in releases
}

func newCatalog(p *config.Project, histories []History) *catalog {
	c := &catalog{
		project: p.Name, prefixes: []string{p.Registry.Address + "/" + p.Name + "/"}, envs: map[string]bool{},
		versions: map[string]map[string]ledger.Release{}, digests: map[string]map[string][]ledger.Release{},
		rank: map[string]int{},
	}
	for _, e := range p.Environments {
		c.envs[e.Name] = true
		if prefix := p.RegistryOf(e).Address + "/" + p.Name + "/"; !slices.Contains(c.prefixes, prefix) {
			c.prefixes = append(c.prefixes, prefix)
		}
	}
	for _, h := range histories {
		c.versions[h.Image] = map[string]ledger.Release{}
		c.digests[h.Image] = map[string][]ledger.Release{}
		for _, r := range h.Releases {
			c.versions[h.Image][r.Version] = r
			if r.Digest != "" {
				c.digests[h.Image][r.Digest] = append(c.digests[h.Image][r.Digest], r)
			}
			c.rank[r.Image+"@"+r.Version] = len(c.releases)
			c.releases = append(c.releases, r)
		}
	}
	return c
}

// replica decides whether a replica container (by its labels) is garbage:
// it is, when it belongs to an image and environment of bake.yaml and runs
// an artifact that is not protected.
func (c *catalog) replica(id, name string, labels map[string]string, prot *Protection) (Item, bool) {
	image, env, version, digest := labels[engine.LabelImage], labels[engine.LabelEnv], labels[engine.LabelVersion], labels[engine.LabelDigest]
	if labels[engine.LabelProject] != c.project || c.versions[image] == nil || !c.envs[env] || digest == "" {
		return Item{}, false
	}
	if prot.Release(ledger.Release{Image: image, Version: version, Digest: digest}) {
		return Item{}, false
	}
	return Item{Kind: Replica, Name: name, ID: id, Image: image, Env: env, Digest: digest,
		Releases: []string{image + "@" + version}}, true
}

// localImage decides whether a local engine image bake labelled for this
// project is garbage. It is when every reference it has names a recorded
// release of the project (by tag REGISTRY/PROJECT/IMAGE:VERSION or by
// digest) and none of them is protected, or when it has no reference at
// all (an untagged build). An image with any other reference is kept.
func (c *catalog) localImage(id string, tags, digests []string, labels map[string]string, prot *Protection) (Item, bool) {
	if labels[engine.LabelProject] != c.project {
		return Item{}, false
	}
	it := Item{Kind: Image, ID: id, Image: labels[engine.LabelImage], Releases: []string{}}
	var held []ledger.Release
	for _, ref := range tags {
		if ref == "<none>:<none>" {
			continue
		}
		image, version, ok := c.split(ref, ":")
		r, recorded := c.versions[image][version]
		if !ok || !recorded {
			return Item{}, false
		}
		it.Image = image
		it.Refs = append(it.Refs, ref)
		held = append(held, r)
	}
	for _, ref := range digests {
		if ref == "<none>@<none>" {
			continue
		}
		image, digest, ok := c.split(ref, "@")
		rs := c.digests[image][digest]
		if !ok || len(rs) == 0 {
			return Item{}, false
		}
		it.Image, it.Digest = image, digest
		it.Refs = append(it.Refs, ref)
		held = append(held, rs...)
	}
	for _, r := range held {
		if prot.Release(r) {
			return Item{}, false
		}
		if name := r.Image + "@" + r.Version; !slices.Contains(it.Releases, name) {
			it.Releases = append(it.Releases, name)
		}
	}
	it.Name = id
	if len(it.Refs) > 0 {
		it.Name = it.Refs[0]
	} else if len(id) > len("sha256:")+12 {
		it.Name = id[:len("sha256:")+12]
	}
	return it, true
}

// sort orders items like the record: by image, newest release first;
// untagged images last, by name.
func (c *catalog) sort(items []Item) {
	rank := func(it Item) int {
		if len(it.Releases) == 0 {
			return len(c.releases)
		}
		return c.rank[it.Releases[0]]
	}
	slices.SortStableFunc(items, func(a, b Item) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a.Name, b.Name))
	})
}

// split takes REGISTRY/PROJECT/IMAGE<sep>REST apart.
func (c *catalog) split(ref, sep string) (image, rest string, ok bool) {
	for _, prefix := range c.prefixes {
		if tail, found := strings.CutPrefix(ref, prefix); found {
			image, rest, ok = strings.Cut(tail, sep)
			return image, rest, ok && image != "" && rest != ""
		}
	}
	return "", "", false
}

// manifests lists the registry manifests of releases that are not
// protected, one per artifact and registry, in the project's own
// repositories only: the release's reference in the project's registry,
// and where it may have been copied, the same digest in each
// environment's own registry (findManifests keeps those that are there).
func (c *catalog) manifests(prot *Protection) []Item {
	var out []Item
	index := map[string]int{}
	for _, r := range c.releases {
		if r.Digest == "" || prot.Release(r) || r.Reference != c.prefixes[0]+r.Image+"@"+r.Digest {
			continue
		}
		name := r.Image + "@" + r.Version
		for _, prefix := range c.prefixes {
			ref := prefix + r.Image + "@" + r.Digest
			if i, ok := index[ref]; ok {
				out[i].Releases = append(out[i].Releases, name)
				continue
			}
			index[ref] = len(out)
			it := Item{Kind: Manifest, Name: ref, Image: r.Image, Digest: r.Digest, Releases: []string{name}}
			for _, p := range r.Provenance.Platforms {
				it.Platforms = append(it.Platforms, p.Digest)
			}
			out = append(out, it)
		}
	}
	return out
}
