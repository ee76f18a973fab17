package release

import (
	"context"
	"errors"
	"fmt"

	"github.com/bakehq/bake/internal/builder"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/ledger"
)

// Reusable returns the newest validated release built from the same inputs
// as job, unless o.Force asks for a fresh build.
func (r *Releaser) Reusable(ctx context.Context, o Options, job builder.Job) (ledger.Release, error) {
	if o.Force {
		return ledger.Release{}, ledger.ErrNotFound
	}
	prev, err := r.Store.ReleaseByInputs(ctx, o.Image.Name, job.InputsDigest())
	if err != nil {
		return ledger.Release{}, err
	}
	if prev.Reference == "" && len(prev.AMIs) == 0 {
		return ledger.Release{}, ledger.ErrNotFound
	}
	if prev.Reference != "" {
		// `bake gc` may have removed the artifact from the engine and the registry.
		if err := engine.EnsureImage(ctx, r.Engine, prev.Reference); err != nil {
			r.say("%s: inputs unchanged since %s@%s, but its image is gone (%v): building again", o.Image.Name, prev.Image, prev.Version, err)
			return ledger.Release{}, ledger.ErrNotFound
		}
	}
	r.say("%s: inputs unchanged since %s@%s, reusing %s", o.Image.Name, prev.Image, prev.Version, artifactName(prev))
	return prev, nil
}

func (r *Releaser) reusable(ctx context.Context, o Options, job builder.Job) (ledger.Release, bool) {
	prev, err := r.Reusable(ctx, o, job)
	return prev, err == nil
}

// releaseReused records rel as another release of prev's artifact: nothing
// is built or pushed, but the checks run again, since they may depend on the
// version.
func (r *Releaser) releaseReused(ctx context.Context, o Options, rel, prev ledger.Release) (ledger.Release, error) {
	rel.Digest, rel.Reference, rel.AMIs = prev.Digest, prev.Reference, prev.AMIs
	rel.Provenance = prev.Provenance
	rel.Provenance.GitDirty = o.GitDirty
	if rel.Provenance.ReusedFrom == "" {
		rel.Provenance.ReusedFrom = prev.Image + "@" + prev.Version
	}
	if rel.Reference != "" {
		if err := engine.EnsureImage(ctx, r.Engine, rel.Reference); err != nil {
			return ledger.Release{}, err
		}
		if err := r.validate(ctx, o, &rel, rel.Reference); err != nil {
			return rel, err
		}
	} else if err := r.validateAMIs(ctx, o, &rel); err != nil {
		return rel, err
	}
	return rel, r.record(ctx, &rel, ledger.StatusValidated)
}

func artifactName(rel ledger.Release) string {
	if rel.Digest != "" {
		return rel.Digest
	}
	return fmt.Sprint(rel.AMIs)
}

// IsNotReusable reports whether Reusable found nothing to reuse.
func IsNotReusable(err error) bool { return errors.Is(err, ledger.ErrNotFound) }
