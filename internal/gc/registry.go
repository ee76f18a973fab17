package gc

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/registry"
)

// findManifests keeps the candidates the registry still has: a manifest an
// earlier gc deleted, or a copy never made, is not listed. One whose
// presence cannot be checked is listed with its Error set.
func (c *Collector) findManifests(ctx context.Context, candidates []Item) []Item {
	var out []Item
	for _, it := range candidates {
		err := c.withRegistry(it.Name, func(r *registry.Client) error {
			_, err := r.Head(ctx, it.Name)
			return err
		})
		switch {
		case errors.Is(err, registry.ErrNotFound):
			continue
		case err != nil:
			it.Error = fmt.Sprintf("checking the registry: %v", err)
		}
		out = append(out, it)
	}
	return out
}

// removeManifest deletes a manifest by digest, which also removes the tags
// that point at it, and then, for an index, each platform's manifest in
// it, which no tag names. Their blobs stay until the registry's own
// garbage collection runs.
func (c *Collector) removeManifest(ctx context.Context, it Item) error {
	repo, _, _ := strings.Cut(it.Name, "@")
	for _, ref := range append([]string{it.Name}, prefixed(repo+"@", it.Platforms)...) {
		err := c.withRegistry(ref, func(r *registry.Client) error { return r.Delete(ctx, ref) })
		if err != nil && !errors.Is(err, registry.ErrNotFound) {
			return fmt.Errorf("deleting %s from the registry: %w", ref, err)
		}
	}
	return nil
}

func prefixed(prefix string, list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = prefix + s
	}
	return out
}

// withRegistry calls f with the client of the registry ref is in (the
// project's, or an environment's own), made on first use with the CA
// bake.yaml gives it.
func (c *Collector) withRegistry(ref string, f func(*registry.Client) error) error {
	host, _, _ := strings.Cut(ref, "/")
	if c.registries[host] == nil {
		reg := config.Registry{Address: host}
		if c.Project.Registry.Address == host {
			reg = c.Project.Registry
		}
		for _, env := range c.Project.Environments {
			if r := c.Project.RegistryOf(env); r.Address == host {
				reg = r
			}
		}
		r, err := registry.New(host, registry.Options{CA: reg.CA})
		if err != nil {
			return err
		}
		if c.registries == nil {
			c.registries = map[string]*registry.Client{}
		}
		c.registries[host] = r
	}
	return f(c.registries[host])
}
