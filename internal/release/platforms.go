package release

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/builder"
	"github.com/bakehq/bake/internal/config"
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
	images, err := pullPlatforms(ctx, r.Engine, *rel)
	if err != nil {
		return err
	}
	return r.validatePlatforms(ctx, o, rel, images)
}

// validatePlatforms runs the image's checks on each platform's image and
// records a failed release if any fails or a platform cannot run here.
func (r *Releaser) validatePlatforms(ctx context.Context, o Options, rel *ledger.Release, images []platformImage) error {
	name := rel.Image + "@" + rel.Version
	sb := &sandbox.Sandbox{Engine: r.Engine, Project: r.Project.Name, Operation: r.Operation, Progress: r.Progress, KeepOnFailure: r.KeepOnFailure}
	checks, err := checkPlatforms(ctx, sb, o.Image, name, o.Version, images)
	if err != nil {
		return err
	}
	rel.Checks = append(rel.Checks, checks...)
	if sandbox.Passed(rel.Checks) {
		return nil
	}
	if err := r.record(ctx, rel, ledger.StatusFailed); err != nil {
		return err
	}
	return fmt.Errorf("%w: %s: %s", ErrValidationFailed, name, firstFailure(rel.Checks))
}

// PlatformChecks runs img's checks again on each platform's image of the
// multi-platform release rel, pulled by its manifest digest, as `bake
// validate` does: the results name their platforms.
func PlatformChecks(ctx context.Context, sb *sandbox.Sandbox, img *config.Image, rel ledger.Release) ([]ledger.CheckResult, error) {
	images, err := pullPlatforms(ctx, sb.Engine, rel)
	if err != nil {
		return nil, err
	}
	return checkPlatforms(ctx, sb, img, rel.Image+"@"+rel.Version, rel.Version, images)
}

// pullPlatforms pulls each platform's image of rel by its manifest digest.
func pullPlatforms(ctx context.Context, eng *client.Client, rel ledger.Release) ([]platformImage, error) {
	repo := rel.Reference[:strings.LastIndex(rel.Reference, "@")]
	var images []platformImage
	for _, p := range rel.Provenance.Platforms {
		ref := repo + "@" + p.Digest
		if err := engine.EnsureImage(ctx, eng, ref); err != nil {
			return nil, err
		}
		images = append(images, platformImage{platform: p.Platform, ref: ref})
	}
	return images, nil
}

// checkPlatforms runs img's checks on each platform's image, an image of
// another architecture under qemu's emulation, each result naming its
// platform. A platform the machine cannot run gets a failed result that
// says what to install: a platform is never passed without running it.
func checkPlatforms(ctx context.Context, sb *sandbox.Sandbox, img *config.Image, name, version string, images []platformImage) ([]ledger.CheckResult, error) {
	var results []ledger.CheckResult
	for _, pi := range images {
		how, err := sandbox.HowRuns(ctx, sb.Engine, pi.platform)
		if errors.Is(err, sandbox.ErrCannotRun) {
			say(sb.Progress, "cannot validate %s for %s: it %v", name, pi.platform, err)
			results = append(results, ledger.CheckResult{Name: "runnable", Kind: "platform", Platform: pi.platform, Detail: err.Error()})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("validating %s for %s: %w", name, pi.platform, err)
		}
		say(sb.Progress, "validating %s for %s in a sandbox, %s", name, pi.platform, how)
		checks, err := sb.Validate(ctx, sandbox.Subject{Image: img, Ref: pi.ref, Version: version, Platform: pi.platform})
		if err != nil {
			return nil, fmt.Errorf("validating %s for %s: %w", name, pi.platform, err)
		}
		for i := range checks {
			checks[i].Platform = pi.platform
		}
		results = append(results, checks...)
	}
	return results, nil
}

func say(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format+"\n", args...)
	}
}
