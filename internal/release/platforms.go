package release

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bakehq/bake/internal/builder"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/registry"
	"github.com/bakehq/bake/internal/sandbox"
)

// platformImage is one platform's image to validate: an engine image id,
// or a reference by digest the engine has pulled.
type platformImage struct {
	platform, ref string
}

// releaseIndex validates the image of every platform of a multi-platform
// build, and only then pushes the index and records the release by the
// index's digest, with each platform's manifest digest.
func (r *Releaser) releaseIndex(ctx context.Context, o Options, rel ledger.Release, built builder.Built) (ledger.Release, error) {
	defer built.Index.Remove()
	var images []platformImage
	for _, p := range built.Platforms {
		images = append(images, platformImage{platform: p.Platform, ref: p.ImageID})
		rel.Provenance.Platforms = append(rel.Provenance.Platforms, ledger.PlatformImage{Platform: p.Platform, Digest: p.Digest})
	}
	if err := r.validatePlatforms(ctx, o, &rel, images); err != nil {
		return rel, err
	}
	reg, err := registry.New(r.Project.Registry.Address, registry.Options{CA: r.Project.Registry.CA})
	if err != nil {
		return ledger.Release{}, err
	}
	art, err := builder.PublishIndex(ctx, reg, built)
	if err != nil {
		return ledger.Release{}, err
	}
	rel.Digest, rel.Reference = art.Digest, art.Reference
	return rel, r.record(ctx, &rel, ledger.StatusValidated)
}

// revalidatePlatforms pulls each platform's image of a recorded
// multi-platform release by its manifest digest and validates it again.
func (r *Releaser) revalidatePlatforms(ctx context.Context, o Options, rel *ledger.Release) error {
	repo := rel.Reference[:strings.LastIndex(rel.Reference, "@")]
	var images []platformImage
	for _, p := range rel.Provenance.Platforms {
		ref := repo + "@" + p.Digest
		if err := engine.EnsureImage(ctx, r.Engine, ref); err != nil {
			return err
		}
		images = append(images, platformImage{platform: p.Platform, ref: ref})
	}
	return r.validatePlatforms(ctx, o, rel, images)
}

// validatePlatforms runs the image's checks on each platform's image, an
// image of another architecture under qemu's emulation, each result
// naming its platform. A platform the machine cannot run fails the
// release with a result that says what to install: a release is never
// recorded as validated on a platform nothing ran. A failed release is
// recorded and returned with ErrValidationFailed.
func (r *Releaser) validatePlatforms(ctx context.Context, o Options, rel *ledger.Release, images []platformImage) error {
	name := rel.Image + "@" + rel.Version
	sb := &sandbox.Sandbox{Engine: r.Engine, Project: r.Project.Name, Operation: r.Operation, Progress: r.Progress, KeepOnFailure: r.KeepOnFailure}
	for _, img := range images {
		how, err := sandbox.HowRuns(ctx, r.Engine, img.platform)
		if errors.Is(err, sandbox.ErrCannotRun) {
			r.say("cannot validate %s for %s: it %v", name, img.platform, err)
			rel.Checks = append(rel.Checks, ledger.CheckResult{Name: "runnable", Kind: "platform", Platform: img.platform, Detail: err.Error()})
			continue
		}
		if err != nil {
			return fmt.Errorf("validating %s for %s: %w", name, img.platform, err)
		}
		r.say("validating %s for %s in a sandbox, %s", name, img.platform, how)
		checks, err := sb.Validate(ctx, sandbox.Subject{Image: o.Image, Ref: img.ref, Version: o.Version})
		if err != nil {
			return fmt.Errorf("validating %s for %s: %w", name, img.platform, err)
		}
		for i := range checks {
			checks[i].Platform = img.platform
		}
		rel.Checks = append(rel.Checks, checks...)
	}
	if sandbox.Passed(rel.Checks) {
		return nil
	}
	if err := r.record(ctx, rel, ledger.StatusFailed); err != nil {
		return err
	}
	return fmt.Errorf("%w: %s: %s", ErrValidationFailed, name, firstFailure(rel.Checks))
}
