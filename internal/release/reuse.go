package release

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/bakehq/bake/internal/artifact"
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
	if len(prev.AMIs) > 0 && r.AWS != nil {
		if gone := r.missingAMIs(ctx, prev.AMIs); gone != "" {
			r.say("%s: inputs unchanged since %s@%s, but %s: building again", o.Image.Name, prev.Image, prev.Version, gone)
			return ledger.Release{}, ledger.ErrNotFound
		}
	}
	r.say("%s: inputs unchanged since %s@%s, reusing %s", o.Image.Name, prev.Image, prev.Version, artifactName(prev))
	return prev, nil
}

// missingAMIs says which of amis is no longer available in its region ("" if
// every one is): someone may have deregistered it.
func (r *Releaser) missingAMIs(ctx context.Context, amis map[string]string) string {
	clients, err := r.AWS(ctx)
	if err != nil {
		return fmt.Sprintf("its AMIs cannot be checked (%v)", err)
	}
	for region, id := range amis {
		out, err := clients.In(region).EC2.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}})
		if err != nil || len(out.Images) == 0 || out.Images[0].State != ec2types.ImageStateAvailable {
			return fmt.Sprintf("its AMI %s in %s is gone", id, region)
		}
	}
	return ""
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
	if rel.Digest == "" && len(rel.AMIs) > 0 {
		rel.Digest = artifact.AMIDigest(rel.AMIs) // prev was recorded before AMI releases had one
	}
	rel.Provenance = prev.Provenance
	rel.Provenance.GitDirty = o.GitDirty
	if rel.Provenance.ReusedFrom == "" {
		rel.Provenance.ReusedFrom = prev.Image + "@" + prev.Version
	}
	if len(rel.Provenance.Platforms) > 0 {
		if err := r.revalidatePlatforms(ctx, o, &rel); err != nil {
			return rel, err
		}
	} else if rel.Reference != "" {
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
	if len(rel.AMIs) > 0 {
		return "AMIs " + artifact.AMIList(rel.AMIs)
	}
	return rel.Digest
}

// IsNotReusable reports whether Reusable found nothing to reuse.
func IsNotReusable(err error) bool { return errors.Is(err, ledger.ErrNotFound) }
