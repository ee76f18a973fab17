package release

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/bakehq/bake/internal/builder"
	"github.com/bakehq/bake/internal/builder/ami"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/cst"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/probe"
)

// Builder turns an image definition into an image in the local engine.
type Builder interface {
	Prepare(s builder.Spec) (builder.Job, error)
}

// Prepare renders the image's template and hashes its inputs; nothing runs
// yet. It returns the base release the image builds FROM, if any.
func (r *Releaser) Prepare(ctx context.Context, o Options) (builder.Job, *ledger.Release, error) {
	spec := builder.Spec{
		Project: r.Project.Name, Registry: r.Project.Registry.Address, Image: o.Image, Version: o.Version,
		GitCommit: o.GitCommit, GitDirty: o.GitDirty, User: r.User, Source: o.Source,
		OperationID: r.Operation, Progress: r.Progress, NoCache: o.Force,
	}
	if r.BuildOutput != nil {
		spec.Progress = r.BuildOutput
	}
	var base *ledger.Release
	if o.Image.Base != "" {
		b, err := r.newestValidated(ctx, o.Image.Base)
		if err != nil {
			return nil, nil, err
		}
		base, spec.BaseRef = &b, b.Reference
	}
	// A missing secret is reported after the builder had its say: a builder
	// that refuses secrets, or a template error, is the first thing to fix.
	values, missing := r.Secrets.For(o.Image.Name, o.Image.Secrets)
	spec.Secrets = values
	b := r.builderFor(o.Image)
	if _, docker := b.(*builder.Docker); len(o.Image.Platforms) > 0 && !docker {
		e := o.Image.PlatformsAt
		e.Msg = "only Docker images build for several platforms; this image's template makes a root filesystem, a Packer build or an AMI"
		return nil, nil, &e
	}
	job, err := b.Prepare(spec)
	if err != nil {
		return nil, nil, err
	}
	if missing != nil {
		return nil, nil, missing
	}
	return job, base, nil
}

func (r *Releaser) newestValidated(ctx context.Context, image string) (ledger.Release, error) {
	rels, err := r.Store.Releases(ctx, image)
	if err != nil {
		return ledger.Release{}, err
	}
	for _, rel := range rels {
		if rel.Status == ledger.StatusValidated {
			return rel, nil
		}
	}
	return ledger.Release{}, fmt.Errorf("%w: %s has no validated release to build FROM: run `bake release %s` first", ErrNoBase, image, image)
}

func (r *Releaser) builderFor(img *config.Image) Builder {
	if img.Dockerfile != "" {
		return &builder.Docker{Engine: r.Engine, Builder: r.Project.Builder}
	}
	if ami.IsTemplate(img.Template) {
		return &ami.Builder{AWS: r.AWS}
	}
	if _, err := os.Stat(filepath.Join(img.Template, builder.RootfsTemplate)); err == nil {
		return &builder.Rootfs{Engine: r.Engine}
	}
	if builder.IsPackerTemplate(img.Template) {
		return &builder.Packer{Engine: r.Engine}
	}
	return &builder.Docker{Engine: r.Engine, Builder: r.Project.Builder}
}

// checkStructureFile reads the image's container-structure-test file, if it
// has one, and renders its tests for version: a bad one is bad input,
// reported before anything is built rather than after the build, when the
// sandbox reads it.
func checkStructureFile(img *config.Image, version string) error {
	if img.Context == "" {
		return nil
	}
	file := filepath.Join(img.Context, cst.FileName)
	if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	suite, err := cst.Load(file)
	if err != nil {
		return err
	}
	return suite.Renders(probe.Data{Image: img.Name, Version: version, Vars: img.Vars})
}
