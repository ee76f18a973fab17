package gc

import (
	"context"
	"fmt"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/engine"
)

// findReplicas lists the project's replica containers, running or not,
// whose artifact is not protected.
func (c *Collector) findReplicas(ctx context.Context, cat *catalog, prot *Protection) ([]Item, error) {
	list, err := c.Engine.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: client.Filters{}.Add("label",
		engine.LabelKind+"="+engine.KindReplica, engine.LabelProject+"="+c.Project.Name)})
	if err != nil {
		return nil, fmt.Errorf("listing replicas of %q: %w", c.Project.Name, err)
	}
	var out []Item
	for _, ctr := range list.Items {
		name := ctr.ID
		if len(ctr.Names) > 0 {
			name = strings.TrimPrefix(ctr.Names[0], "/")
		}
		if it, ok := cat.replica(ctr.ID, name, ctr.Labels, prot); ok {
			out = append(out, it)
		}
	}
	cat.sort(out)
	return out, nil
}

// findImages lists the local images bake labelled for the project that are
// garbage (see catalog.localImage). Intermediate images of the classic
// builder are not listed: they go with the image they led to.
func (c *Collector) findImages(ctx context.Context, cat *catalog, prot *Protection) ([]Item, error) {
	list, err := c.Engine.ImageList(ctx, client.ImageListOptions{
		Filters: client.Filters{}.Add("label", engine.LabelProject+"="+c.Project.Name),
	})
	if err != nil {
		return nil, fmt.Errorf("listing images of %q: %w", c.Project.Name, err)
	}
	var out []Item
	for _, img := range list.Items {
		if it, ok := cat.localImage(img.ID, img.RepoTags, img.RepoDigests, img.Labels, prot); ok {
			out = append(out, it)
		}
	}
	cat.sort(out)
	return out, nil
}

func (c *Collector) removeReplica(ctx context.Context, it Item) error {
	return engine.Remove(ctx, c.Engine, it.ID)
}

// removeImage removes an image's references one by one, never forcing: an
// image a container still uses stays, and says which container. Removing
// the last reference removes the image and its untagged parents, unless
// another image was built FROM it (then the engine keeps it as that
// image's parent). An untagged image is removed by its id.
func (c *Collector) removeImage(ctx context.Context, it Item) error {
	refs := it.Refs
	if len(refs) == 0 {
		refs = []string{it.ID}
	}
	for _, ref := range refs {
		_, err := c.Engine.ImageRemove(ctx, ref, client.ImageRemoveOptions{PruneChildren: true})
		if err != nil && !cerrdefs.IsNotFound(err) {
			return fmt.Errorf("removing %s: %w", ref, err)
		}
	}
	return nil
}
