package promote

import (
	"context"
	"fmt"
	"strings"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/registry"
	"github.com/bakehq/bake/internal/targets"
)

// placedIn returns rel as env's targets run it: with its reference in
// env's registry (REGISTRY/PROJECT/IMAGE@DIGEST) when env names a
// registry other than the one rel lives in. Releases without an image
// reference (AMIs) are returned as they are.
func (d *Engine) placedIn(env *config.Environment, rel ledger.Release) ledger.Release {
	reg := d.Project.RegistryOf(env)
	host, _, ok := strings.Cut(rel.Reference, "/")
	if rel.Reference == "" || !ok || reg.Address == "" || host == reg.Address {
		return rel
	}
	rel.Reference = reg.Address + "/" + d.Project.Name + "/" + rel.Image + "@" + rel.Digest
	return rel
}

// placeRecovery has a recovery run the releases from env's registry,
// once their trust was checked (a signature covers the release's own
// reference).
func (d *Engine) placeRecovery(env *config.Environment, rq *targets.Recovery) {
	rq.Release = d.placedIn(env, rq.Release)
	if rq.Recorded != nil {
		placed := d.placedIn(env, *rq.Recorded)
		rq.Recorded = &placed
	}
}

// place brings rel into env's registry, when env pulls from another
// registry than the one rel lives in, and returns rel with the reference
// env's targets run: the manifest (an image, or an index and its images)
// and layers are copied by digest, no rebuild, and the copy's digest is
// checked to be rel's. A copy already there is not made again.
func (d *Engine) place(ctx context.Context, env *config.Environment, rel ledger.Release) (ledger.Release, error) {
	placed := d.placedIn(env, rel)
	if placed.Reference == rel.Reference {
		return rel, nil
	}
	srcHost, _, _ := strings.Cut(rel.Reference, "/")
	src, err := registry.New(srcHost, registry.Options{CA: d.registryCA(srcHost)})
	if err != nil {
		return rel, err
	}
	to := d.Project.RegistryOf(env)
	dst, err := registry.New(to.Address, registry.Options{CA: to.CA})
	if err != nil {
		return rel, err
	}
	repo, _, _ := strings.Cut(placed.Reference, "@")
	if to.CreateRepositories {
		if _, err := registry.EnsureRepository(ctx, to.Address, d.Project.Name+"/"+rel.Image); err != nil {
			return rel, err
		}
	}
	ref, copied, err := src.Copy(ctx, rel.Reference, dst, repo)
	if err != nil {
		return rel, fmt.Errorf("copying %s@%s to %s: %w", rel.Image, rel.Version, to.Address, err)
	}
	if copied {
		d.say("copied %s@%s (%s) to %s", rel.Image, rel.Version, shortDigest(rel.Digest), repo)
	}
	placed.Reference = ref
	return placed, nil
}

// registryCA is the CA bundle bake.yaml gives for the registry at host:
// the project's, or an environment's.
func (d *Engine) registryCA(host string) string {
	if d.Project.Registry.Address == host {
		return d.Project.Registry.CA
	}
	for _, env := range d.Project.Environments {
		if env.Registry != nil && env.Registry.Address == host {
			return env.Registry.CA
		}
	}
	return ""
}
