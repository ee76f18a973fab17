package release

import (
	"context"
	"fmt"

	"github.com/bakehq/bake/internal/builder/ami"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/registry"
)

// createRepository creates img's repository (PROJECT/IMAGE) in the
// project's registry before anything is pushed there, when bake.yaml asks
// for it (registry.create_repositories, Amazon ECR only: ECR refuses a
// push to a repository that does not exist). One that exists is left as it is.
func (r *Releaser) createRepository(ctx context.Context, img *config.Image, name string) error {
	reg := r.Project.Registry
	if !reg.CreateRepositories || img.Dockerfile == "" && ami.IsTemplate(img.Template) {
		return nil
	}
	repo := r.Project.Name + "/" + img.Name
	created, err := registry.EnsureRepository(ctx, reg.Address, repo)
	if err != nil {
		return fmt.Errorf("releasing %s: %w", name, err)
	}
	if created {
		r.say("created repository %s/%s", reg.Address, repo)
	}
	return nil
}
