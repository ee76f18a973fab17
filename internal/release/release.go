// Package release bakes, validates, publishes and records one release:
// what `bake release` does in CI after a merge.
package release

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/builder"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/sandbox"
)

// Sentinel errors the CLI maps to exit codes.
var (
	ErrValidationFailed = errors.New("validation failed") // exit 1: recorded as failed
	ErrNoBase           = errors.New("base has no validated release")
)

// Builder turns an image definition into an image in the local engine.
type Builder interface {
	Prepare(s builder.Spec) (builder.Job, error)
}

// Releaser holds what a release needs.
type Releaser struct {
	Project   *config.Project
	Store     ledger.Store
	Engine    *client.Client
	Operation string
	User      string
	Progress  io.Writer // build output and check lines; may be nil
}

// Options says which release to make.
type Options struct {
	Image     *config.Image
	Version   string // decided by the caller (see package version)
	GitCommit string
	Source    string
	Reason    string // why this version, shown when the build starts
}

// Prepare renders the image's template and hashes its inputs; nothing runs yet.
func (r *Releaser) Prepare(ctx context.Context, o Options) (builder.Job, *ledger.Release, error) {
	spec := builder.Spec{
		Project: r.Project.Name, Registry: r.Project.Registry, Image: o.Image, Version: o.Version,
		GitCommit: o.GitCommit, Source: o.Source, OperationID: r.Operation, Progress: r.Progress,
	}
	var base *ledger.Release
	if o.Image.Base != "" {
		b, err := r.newestValidated(ctx, o.Image.Base)
		if err != nil {
			return nil, nil, err
		}
		base, spec.BaseRef = &b, b.Reference
	}
	job, err := r.builderFor(o.Image).Prepare(spec)
	return job, base, err
}

// Release builds, validates, publishes and records image@version. A release
// whose checks fail is recorded as failed (never published) and returned
// with ErrValidationFailed.
func (r *Releaser) Release(ctx context.Context, o Options) (ledger.Release, error) {
	name := o.Image.Name + "@" + o.Version
	if existing, err := r.Store.Release(ctx, o.Image.Name, o.Version); err == nil {
		return ledger.Release{}, fmt.Errorf("%w: %s was recorded %s as %s; releases are immutable: choose another version",
			ledger.ErrExists, name, existing.CreatedAt.Local().Format(time.DateTime), existing.Status)
	} else if !errors.Is(err, ledger.ErrNotFound) {
		return ledger.Release{}, err
	}
	job, base, err := r.Prepare(ctx, o)
	if err != nil {
		return ledger.Release{}, err
	}
	r.say("releasing %s (%s)", name, o.Reason)
	built, err := job.Run(ctx)
	if err != nil {
		return ledger.Release{}, err
	}
	rel := ledger.Release{
		Image: o.Image.Name, Version: o.Version, InputsDigest: built.InputsDigest,
		GitCommit: o.GitCommit, CreatedBy: r.User,
	}
	if base != nil {
		rel.Base = base.Image + "@" + base.Version
	}
	r.say("validating %s in a sandbox", name)
	sb := &sandbox.Sandbox{Engine: r.Engine, Project: r.Project.Name, Operation: r.Operation, Progress: r.Progress}
	rel.Checks, err = sb.Validate(ctx, sandbox.Subject{Image: o.Image, Ref: built.ImageID, Version: o.Version})
	if err != nil {
		return ledger.Release{}, fmt.Errorf("validating %s: %w", name, err)
	}
	if !sandbox.Passed(rel.Checks) {
		rel.Status, rel.CreatedAt = ledger.StatusFailed, time.Now().UTC()
		if err := r.Store.PutRelease(context.WithoutCancel(ctx), rel); err != nil {
			return ledger.Release{}, err
		}
		return rel, fmt.Errorf("%w: %s: %s", ErrValidationFailed, name, firstFailure(rel.Checks))
	}
	art, err := builder.Publish(ctx, r.Engine, built, nil)
	if err != nil {
		return ledger.Release{}, err
	}
	rel.Digest, rel.Reference = art.Digest, art.Reference
	rel.Status, rel.CreatedAt = ledger.StatusValidated, time.Now().UTC()
	if err := r.Store.PutRelease(context.WithoutCancel(ctx), rel); err != nil {
		return ledger.Release{}, err
	}
	return rel, nil
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
	if _, err := os.Stat(filepath.Join(img.Template, builder.RootfsTemplate)); err == nil {
		return &builder.Rootfs{Engine: r.Engine}
	}
	return &builder.Docker{Engine: r.Engine}
}

func (r *Releaser) say(format string, args ...any) {
	if r.Progress != nil {
		fmt.Fprintf(r.Progress, format+"\n", args...)
	}
}

func firstFailure(results []ledger.CheckResult) string {
	for _, c := range results {
		if !c.Passed {
			return c.Name + ": " + c.Detail
		}
	}
	return ""
}
