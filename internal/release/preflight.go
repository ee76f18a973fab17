package release

import (
	"context"
	"fmt"

	"github.com/bakehq/bake/internal/builder/ami"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/registry"
)

// checkRegistry proves, before anything is built, that bake may push img
// to the project's registry: a wrong password, missing credentials or an
// untrusted certificate then fail in about a second, with nothing built
// or recorded. AMI images are not pushed to a registry.
func (r *Releaser) checkRegistry(ctx context.Context, img *config.Image, name string) error {
	if img.Dockerfile == "" && ami.IsTemplate(img.Template) {
		return nil
	}
	reg := r.Project.Registry
	c, err := registry.New(reg.Address, registry.Options{CA: reg.CA})
	if err != nil {
		return fmt.Errorf("releasing %s: %w", name, err)
	}
	if err := c.CheckPush(ctx, reg.Address+"/"+r.Project.Name+"/"+img.Name); err != nil {
		return fmt.Errorf("releasing %s: %w", name, err)
	}
	return nil
}
