package registry

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// PushIndex pushes an image index, every image it holds and their layers,
// under tag (REGISTRY/REPO:TAG), byte for byte: the index keeps its digest.
// The engine cannot push an index, so this is the one push bake makes
// itself.
func (c *Client) PushIndex(ctx context.Context, tag string, idx v1.ImageIndex) error {
	t, err := name.NewTag(tag, c.NameOptions()...)
	if err != nil {
		return fmt.Errorf("%q is not a tag: %w", tag, err)
	}
	if err := remote.WriteIndex(t, idx, c.remoteOptions(ctx)...); err != nil {
		return c.fail(err, t.Context())
	}
	return nil
}
