package ami

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// waitAvailable waits for an AMI to become available and tags its
// snapshots like the AMI, so they are found with it.
func (b *bake) waitAvailable(ctx context.Context, api ec2API, region, id string) error {
	out, err := ec2.NewImageAvailableWaiter(api, func(o *ec2.ImageAvailableWaiterOptions) {
		o.MinDelay, o.MaxDelay = b.job.builder.pollDelays(o.MinDelay, o.MaxDelay)
	}).WaitForOutput(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}}, b.job.builder.imageTimeout())
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("waiting for AMI %s in %s to become available: %w", id, region, context.Cause(ctx))
		}
		return fmt.Errorf("waiting for AMI %s in %s to become available: %w", id, region, err)
	}
	var snaps []string
	for _, im := range out.Images {
		snaps = append(snaps, imageSnapshots(im)...)
	}
	if len(snaps) == 0 {
		return nil
	}
	if _, err := api.CreateTags(ctx, &ec2.CreateTagsInput{Resources: snaps, Tags: b.imageTags()}); err != nil {
		return fmt.Errorf("tagging the snapshots %s of AMI %s in %s: %w", strings.Join(snaps, ", "), id, region, err)
	}
	return nil
}

func imageSnapshots(im types.Image) []string {
	var snaps []string
	for _, m := range im.BlockDeviceMappings {
		if m.Ebs != nil && aws.ToString(m.Ebs.SnapshotId) != "" {
			snaps = append(snaps, aws.ToString(m.Ebs.SnapshotId))
		}
	}
	return snaps
}

// findImage looks up by name the AMI a create or copy call may have made
// without answering; "" if there is none.
func (b *bake) findImage(ctx context.Context, api ec2API) (string, error) {
	out, err := api.DescribeImages(ctx, &ec2.DescribeImagesInput{
		Owners:  []string{"self"},
		Filters: []types.Filter{{Name: aws.String("name"), Values: []string{b.amiName}}},
	})
	if err != nil || len(out.Images) == 0 {
		return "", err
	}
	return aws.ToString(out.Images[0].ImageId), nil
}

// discardImage deregisters an AMI and deletes its snapshots: those its block
// device mappings name, and those EC2 made for it that it does not name yet
// (an image still pending), found by the AMI id in their description.
func (b *bake) discardImage(ctx context.Context, api ec2API, region, id string) error {
	var snaps []string
	out, err := api.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}})
	switch {
	case err == nil:
		for _, im := range out.Images {
			snaps = append(snaps, imageSnapshots(im)...)
		}
	case apiCode(err) != "InvalidAMIID.NotFound":
		return fmt.Errorf("AMI %s in %s: %w", id, region, err)
	}
	if _, err := api.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: aws.String(id)}); err != nil &&
		apiCode(err) != "InvalidAMIID.NotFound" && apiCode(err) != "InvalidAMIID.Unavailable" {
		return fmt.Errorf("AMI %s in %s: %w", id, region, err)
	}
	described, err := api.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{
		OwnerIds: []string{"self"},
		Filters:  []types.Filter{{Name: aws.String("description"), Values: []string{"*" + id + "*"}}},
	})
	if err != nil {
		return fmt.Errorf("snapshots of AMI %s in %s: %w", id, region, err)
	}
	for _, s := range described.Snapshots {
		if sid := aws.ToString(s.SnapshotId); !slices.Contains(snaps, sid) {
			snaps = append(snaps, sid)
		}
	}
	for _, sid := range snaps {
		// A snapshot still being taken cannot be deleted yet.
		err := retryWhile(ctx, func(ctx context.Context) error {
			_, err := api.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String(sid)})
			return err
		}, "InvalidSnapshot.InUse", "IncorrectState")
		if err != nil && apiCode(err) != "InvalidSnapshot.NotFound" {
			return fmt.Errorf("snapshot %s of AMI %s in %s: %w", sid, id, region, err)
		}
	}
	b.say("deregistered AMI %s in %s and deleted its %d snapshot(s)", id, region, len(snaps))
	return nil
}
