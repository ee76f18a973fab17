package builder

import (
	"context"
	"fmt"
	"strings"

	"github.com/bakehq/bake/internal/registry"
)

// PublishIndex pushes a multi-platform build's index, with its images, to
// the registry reg reaches, under the build's tag, and returns it by the
// index's digest: the engine pulls its own platform's image from it.
func PublishIndex(ctx context.Context, reg *registry.Client, b Built) (Artifact, error) {
	if b.Index == nil {
		return Artifact{}, fmt.Errorf("pushing %s: the build made no index", b.Tag)
	}
	if err := reg.PushIndex(ctx, b.Tag, b.Index.index); err != nil {
		return Artifact{}, fmt.Errorf("pushing %s: %w", b.Tag, err)
	}
	repo := b.Tag[:strings.LastIndex(b.Tag, ":")]
	return Artifact{Digest: b.Index.Digest, Reference: repo + "@" + b.Index.Digest}, nil
}
