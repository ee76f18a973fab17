package gc

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/engine"
)

// EC2API is what gc asks of EC2 in one region; *ec2.Client has it.
type EC2API interface {
	ec2.DescribeImagesAPIClient
	ec2.DescribeLaunchTemplateVersionsAPIClient
	DeregisterImage(context.Context, *ec2.DeregisterImageInput, ...func(*ec2.Options)) (*ec2.DeregisterImageOutput, error)
	DeleteSnapshot(context.Context, *ec2.DeleteSnapshotInput, ...func(*ec2.Options)) (*ec2.DeleteSnapshotOutput, error)
	EnableImageDeprecation(context.Context, *ec2.EnableImageDeprecationInput, ...func(*ec2.Options)) (*ec2.EnableImageDeprecationOutput, error)
	DisableImageDeprecation(context.Context, *ec2.DisableImageDeprecationInput, ...func(*ec2.Options)) (*ec2.DisableImageDeprecationOutput, error)
	EnableImageDeregistrationProtection(context.Context, *ec2.EnableImageDeregistrationProtectionInput, ...func(*ec2.Options)) (*ec2.EnableImageDeregistrationProtectionOutput, error)
	DisableImageDeregistrationProtection(context.Context, *ec2.DisableImageDeregistrationProtectionInput, ...func(*ec2.Options)) (*ec2.DisableImageDeregistrationProtectionOutput, error)
}

// AWS reaches EC2 in every region a release recorded AMIs in, and Auto
// Scaling in the project's region, where asg targets run.
type AWS struct {
	Region      string // the project's
	AutoScaling autoscaling.DescribeAutoScalingGroupsAPIClient
	EC2         func(region string) EC2API
}

// AWSOf makes AWS from the clients of the project's region: the clients
// of another region are made on first use, with the same configuration.
func AWSOf(c *awsx.Clients) *AWS {
	var mu sync.Mutex
	byRegion := map[string]EC2API{c.Config.Region: c.EC2}
	return &AWS{Region: c.Config.Region, AutoScaling: c.AutoScaling, EC2: func(region string) EC2API {
		mu.Lock()
		defer mu.Unlock()
		if byRegion[region] == nil {
			byRegion[region] = c.In(region).EC2
		}
		return byRegion[region]
	}}
}

// referenced lists the AMIs the project's Auto Scaling groups launch
// from: every launch template version a group names (its own, its mixed
// instances policy's) or one of its instances was launched from. A group
// bake keeps for a rollback, warm or scaled to zero, holds its AMI this
// way even when the record no longer does.
func (a *AWS) referenced(ctx context.Context, project string) ([]Referenced, error) {
	type use struct{ template, version string }
	uses := map[use][]string{} // -> groups
	pages := autoscaling.NewDescribeAutoScalingGroupsPaginator(a.AutoScaling, &autoscaling.DescribeAutoScalingGroupsInput{
		Filters: []astypes.Filter{{Name: aws.String("tag:" + engine.LabelProject), Values: []string{project}}},
	})
	add := func(spec *astypes.LaunchTemplateSpecification, group string) {
		if spec == nil {
			return
		}
		t := aws.ToString(spec.LaunchTemplateId)
		if t == "" {
			t = "name:" + aws.ToString(spec.LaunchTemplateName)
		}
		v := aws.ToString(spec.Version)
		if v == "" {
			v = "$Default"
		}
		u := use{t, v}
		if !slices.Contains(uses[u], group) {
			uses[u] = append(uses[u], group)
		}
	}
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing the Auto Scaling groups of %q in %s: %w", project, a.Region, err)
		}
		for _, g := range page.AutoScalingGroups {
			name := aws.ToString(g.AutoScalingGroupName)
			add(g.LaunchTemplate, name)
			if g.MixedInstancesPolicy != nil && g.MixedInstancesPolicy.LaunchTemplate != nil {
				add(g.MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification, name)
			}
			for _, i := range g.Instances {
				add(i.LaunchTemplate, name)
			}
		}
	}
	var out []Referenced
	keys := slices.SortedFunc(maps.Keys(uses), func(x, y use) int {
		return cmp.Or(cmp.Compare(x.template, y.template), cmp.Compare(x.version, y.version))
	})
	for _, u := range keys {
		in := &ec2.DescribeLaunchTemplateVersionsInput{Versions: []string{u.version}}
		if name, ok := strings.CutPrefix(u.template, "name:"); ok {
			in.LaunchTemplateName = aws.String(name)
		} else {
			in.LaunchTemplateId = aws.String(u.template)
		}
		outv, err := a.EC2(a.Region).DescribeLaunchTemplateVersions(ctx, in)
		if isCode(err, "InvalidLaunchTemplateName.NotFoundException", "InvalidLaunchTemplateId.NotFound", "InvalidLaunchTemplateId.VersionNotFound") {
			continue // deleted with its group, or never there: it launches nothing
		}
		if err != nil {
			return nil, fmt.Errorf("reading launch template %s version %s in %s: %w", u.template, u.version, a.Region, err)
		}
		for _, v := range outv.LaunchTemplateVersions {
			if v.LaunchTemplateData == nil || aws.ToString(v.LaunchTemplateData.ImageId) == "" {
				continue
			}
			for _, group := range uses[u] {
				out = append(out, Referenced{
					AMI: AMIRef{Region: a.Region, ID: aws.ToString(v.LaunchTemplateData.ImageId)},
					By: fmt.Sprintf("launch template %s version %d of Auto Scaling group %s",
						aws.ToString(v.LaunchTemplateName), aws.ToInt64(v.VersionNumber), group),
				})
			}
		}
	}
	return out, nil
}

// snapshots fills in the EBS snapshots of an ami item's AMIs, region by
// region. An AMI that is gone already has none; a failed read sets Error.
func (a *AWS) snapshots(ctx context.Context, it *Item) {
	it.Snapshots = map[string][]string{}
	for _, ref := range amiRefs(it.AMIs) {
		out, err := a.EC2(ref.Region).DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{ref.ID}})
		if isCode(err, "InvalidAMIID.NotFound", "InvalidAMIID.Unavailable", "InvalidAMIID.Malformed") {
			continue
		}
		if err != nil {
			it.Error = fmt.Sprintf("reading AMI %s: %v", ref, err)
			return
		}
		for _, img := range out.Images {
			for _, bdm := range img.BlockDeviceMappings {
				if bdm.Ebs != nil && aws.ToString(bdm.Ebs.SnapshotId) != "" {
					it.Snapshots[ref.Region] = append(it.Snapshots[ref.Region], aws.ToString(bdm.Ebs.SnapshotId))
				}
			}
		}
	}
}

// removeAMIs deregisters an ami item's AMIs and then deletes their
// snapshots, region by region. What is gone already counts as removed.
func (a *AWS) removeAMIs(ctx context.Context, it Item) error {
	for _, ref := range amiRefs(it.AMIs) {
		ec := a.EC2(ref.Region)
		_, err := ec.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: aws.String(ref.ID)})
		if err != nil && !isCode(err, "InvalidAMIID.NotFound", "InvalidAMIID.Unavailable") {
			return fmt.Errorf("deregistering AMI %s: %w", ref, err)
		}
		for _, snap := range it.Snapshots[ref.Region] {
			_, err := ec.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String(snap)})
			if err != nil && !isCode(err, "InvalidSnapshot.NotFound") {
				return fmt.Errorf("deleting snapshot %s of AMI %s: %w", snap, ref, err)
			}
		}
	}
	return nil
}

// isCode reports whether err is an AWS API error with one of codes.
func isCode(err error, codes ...string) bool {
	var apiErr smithy.APIError
	return err != nil && errors.As(err, &apiErr) && slices.Contains(codes, apiErr.ErrorCode())
}
