package gc

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
)

// LifecycleLedger is what Lifecycle reads from the record.
type LifecycleLedger interface {
	Releases(ctx context.Context, image string) ([]ledger.Release, error)
	Deployments(ctx context.Context, image, env string) ([]ledger.Deployment, error)
	Current(ctx context.Context, image, env string) (ledger.Deployment, error)
	AMIRemoval(ctx context.Context, image, version string) (ledger.AMIRemoval, error)
}

// Lifecycle applies the project's retention.deprecate_after and
// retention.protect to the AMIs of its releases, in every region they
// recorded. It is the one place that does, after a promote, a rollback and
// a gc: each reads what the record says runs where, and changes only the
// AMIs whose state EC2 reports differs, so running it again changes nothing.
type Lifecycle struct {
	Project *config.Project
	Ledger  LifecycleLedger
	AWS     func(ctx context.Context) (*AWS, error)
}

// Find lists the changes retention asks for, for image's releases (every
// image's with ""), reading the record and each AMI's state; it changes
// nothing. AWS is reached only when retention asks for a change and some
// release has AMIs.
func (l *Lifecycle) Find(ctx context.Context, image string) ([]AMIChange, error) {
	policy := l.Project.Retention
	if !policy.Lifecycle() {
		return nil, nil
	}
	var histories []History
	removed := map[string]bool{}
	refs := map[AMIRef]bool{}
	for _, img := range l.Project.Images {
		if image != "" && img.Name != image {
			continue
		}
		h, err := l.history(ctx, img.Name)
		if err != nil {
			return nil, err
		}
		for _, r := range h.Releases {
			if len(r.AMIs) == 0 {
				continue
			}
			_, err := l.Ledger.AMIRemoval(ctx, r.Image, r.Version)
			switch {
			case err == nil:
				removed[r.Image+"@"+r.Version] = true
				continue
			case !errors.Is(err, ledger.ErrNotFound):
				return nil, err
			}
			for _, a := range amiRefs(r.AMIs) {
				refs[a] = true
			}
		}
		histories = append(histories, h)
	}
	if len(refs) == 0 {
		return nil, nil
	}
	a, err := l.AWS(ctx)
	if err != nil {
		return nil, err
	}
	states, err := a.amiStates(ctx, slices.Collect(maps.Keys(refs)))
	if err != nil {
		return nil, err
	}
	return decideLifecycle(policy, l.Project.Environments, histories, removed, states, time.Now()), nil
}

// Change makes each change, marking it Done or recording its Error, and
// returns an error naming those that failed.
func (l *Lifecycle) Change(ctx context.Context, changes []AMIChange) error {
	if len(changes) == 0 {
		return nil
	}
	a, err := l.AWS(ctx)
	if err != nil {
		return err
	}
	for i := range changes {
		c := &changes[i]
		if err := a.changeAMI(ctx, *c); err != nil {
			c.Error = err.Error()
			continue
		}
		c.Done = true
	}
	return lifecycleFailed(changes)
}

// Apply finds and makes the changes retention asks for image's releases,
// after a deployment of image switched. Its error is one line: a caller
// whose deployment stands prints it as a warning.
func (l *Lifecycle) Apply(ctx context.Context, image string) error {
	changes, err := l.Find(ctx, image)
	if err == nil {
		err = l.Change(ctx, changes)
	}
	if err != nil {
		return fmt.Errorf("applying retention to the AMIs of %s: %s", image, strings.Join(strings.Fields(err.Error()), " "))
	}
	return nil
}

// history reads what Lifecycle needs of image's record.
func (l *Lifecycle) history(ctx context.Context, image string) (History, error) {
	h := History{Image: image, Current: map[string]ledger.Deployment{}}
	var err error
	if h.Releases, err = l.Ledger.Releases(ctx, image); err != nil {
		return History{}, err
	}
	if h.Deployments, err = l.Ledger.Deployments(ctx, image, ""); err != nil {
		return History{}, err
	}
	for _, e := range l.Project.Environments {
		d, err := l.Ledger.Current(ctx, image, e.Name)
		switch {
		case err == nil:
			h.Current[e.Name] = d
		case !errors.Is(err, ledger.ErrNotFound):
			return History{}, err
		}
	}
	return h, nil
}

// amiStates reads the deprecation time and deregistration protection of
// AMIs, one DescribeImages per region (one per AMI when some are gone).
// An AMI that is gone has no state.
func (a *AWS) amiStates(ctx context.Context, refs []AMIRef) (map[AMIRef]AMIState, error) {
	byRegion := map[string][]string{}
	for _, r := range refs {
		byRegion[r.Region] = append(byRegion[r.Region], r.ID)
	}
	out := map[AMIRef]AMIState{}
	for _, region := range slices.Sorted(maps.Keys(byRegion)) {
		ids := byRegion[region]
		slices.Sort(ids)
		batches := [][]string{ids}
		for len(batches) > 0 {
			batch := batches[0]
			batches = batches[1:]
			res, err := a.EC2(region).DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: batch})
			if isCode(err, "InvalidAMIID.NotFound", "InvalidAMIID.Unavailable", "InvalidAMIID.Malformed") {
				if len(batch) > 1 {
					for _, id := range batch {
						batches = append(batches, []string{id})
					}
				}
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("reading AMIs %s in %s: %w", strings.Join(batch, ", "), region, err)
			}
			for _, img := range res.Images {
				out[AMIRef{Region: region, ID: aws.ToString(img.ImageId)}] = AMIState{
					Deprecated: aws.ToString(img.DeprecationTime) != "",
					Protected:  strings.HasPrefix(aws.ToString(img.DeregistrationProtection), "enabled"),
				}
			}
		}
	}
	return out, nil
}

// changeAMI makes one change to one AMI; Change names it in the error.
func (a *AWS) changeAMI(ctx context.Context, c AMIChange) error {
	ec, id := a.EC2(c.AMI.Region), aws.String(c.AMI.ID)
	var err error
	switch c.Action {
	case ActionDeprecate:
		_, err = ec.EnableImageDeprecation(ctx, &ec2.EnableImageDeprecationInput{ImageId: id, DeprecateAt: aws.Time(c.DeprecateAt)})
	case ActionUndeprecate:
		_, err = ec.DisableImageDeprecation(ctx, &ec2.DisableImageDeprecationInput{ImageId: id})
	case ActionProtect:
		_, err = ec.EnableImageDeregistrationProtection(ctx, &ec2.EnableImageDeregistrationProtectionInput{ImageId: id})
	case ActionUnprotect:
		_, err = ec.DisableImageDeregistrationProtection(ctx, &ec2.DisableImageDeregistrationProtectionInput{ImageId: id})
	default:
		err = fmt.Errorf("unknown change %q", c.Action)
	}
	return err
}
