package docker

import (
	"context"
	"fmt"

	"github.com/bakehq/bake/internal/registry"
	"github.com/bakehq/bake/internal/targets"
)

var _ targets.Checker = (*Target)(nil)

// Check refuses, before anything changes or is recorded, a release the
// engine would have to pull with credentials the registry refuses (wrong or
// missing ones, or no access to the repository). A release the engine
// already has needs no registry at all, and a registry that cannot be
// asked is left to the deployment to report.
func (d *Target) Check(ctx context.Context, req targets.Request) error {
	ref := req.Release.Reference
	if ref == "" {
		return nil
	}
	if _, err := d.Engine.ImageInspect(ctx, ref); err == nil {
		return nil
	}
	if err := registry.Diagnose(ctx, ref); err != nil {
		return fmt.Errorf("pulling %s: %w", ref, err)
	}
	return nil
}
