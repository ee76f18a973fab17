package gc

import (
	"context"
	"errors"
	"fmt"

	"github.com/bakehq/bake/internal/registry"
)

// findManifests keeps the candidates the registry still has: a manifest an
// earlier gc deleted is not listed again. One whose presence cannot be
// checked is listed with its Error set.
func (c *Collector) findManifests(ctx context.Context, candidates []Item) []Item {
	var out []Item
	for _, it := range candidates {
		err := c.withRegistry(func(r *registry.Client) error {
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
// that point at it. Its blobs stay until the registry's own garbage
// collection runs.
func (c *Collector) removeManifest(ctx context.Context, it Item) error {
	err := c.withRegistry(func(r *registry.Client) error { return r.Delete(ctx, it.Name) })
	if err != nil && !errors.Is(err, registry.ErrNotFound) {
		return fmt.Errorf("deleting from the registry: %w", err)
	}
	return nil
}

// withRegistry calls f with the client of the project's registry (every
// manifest gc lists is in it), made on first use with the registry's CA.
func (c *Collector) withRegistry(f func(*registry.Client) error) error {
	if c.registry == nil {
		r, err := registry.New(c.Project.Registry.Address, registry.Options{CA: c.Project.Registry.CA})
		if err != nil {
			return err
		}
		c.registry = r
	}
	return f(c.registry)
}
