package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/moby/moby/client"
)

// CreateContainer creates a container so that a cancelled bake never leaves
// one behind: the create request itself is not cancelled (the engine would
// finish it anyway, after bake had stopped looking), and if bake's context
// ended meanwhile the new container is removed by its id before returning.
func CreateContainer(ctx context.Context, eng *client.Client, opts client.ContainerCreateOptions) (string, error) {
	createCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	created, err := eng.ContainerCreate(createCtx, opts)
	if err != nil {
		return "", fmt.Errorf("creating container %q: %w", opts.Name, err)
	}
	if ctx.Err() != nil {
		_ = Remove(ctx, eng, created.ID)
		return "", fmt.Errorf("creating container %q: %w", opts.Name, context.Cause(ctx))
	}
	return created.ID, nil
}
