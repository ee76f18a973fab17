package ami

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/bakehq/bake/internal/builder"
	"github.com/bakehq/bake/internal/steps"
)

// resolveSource finds the source AMI: the one named, or the most recent
// available image that matches the filters and owners. Nothing matching is
// a template error.
func resolveSource(ctx context.Context, api ec2.DescribeImagesAPIClient, src Source) (types.Image, error) {
	if src.AMI != "" {
		out, err := api.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{src.AMI}})
		if err != nil {
			if apiCode(err) == "InvalidAMIID.NotFound" || apiCode(err) == "InvalidAMIID.Malformed" {
				return types.Image{}, fmt.Errorf("%w: source.ami: %s does not exist", builder.ErrTemplate, src.AMI)
			}
			return types.Image{}, fmt.Errorf("looking up source AMI %s: %w", src.AMI, err)
		}
		if len(out.Images) == 0 {
			return types.Image{}, fmt.Errorf("%w: source.ami: %s does not exist", builder.ErrTemplate, src.AMI)
		}
		if out.Images[0].State != types.ImageStateAvailable {
			return types.Image{}, fmt.Errorf("%w: source.ami: %s is %s, not available", builder.ErrTemplate, src.AMI, out.Images[0].State)
		}
		return out.Images[0], nil
	}
	in := &ec2.DescribeImagesInput{Owners: src.Owners, Filters: []types.Filter{{Name: aws.String("state"), Values: []string{"available"}}}}
	names := make([]string, 0, len(src.Filters))
	for name := range src.Filters {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		in.Filters = append(in.Filters, types.Filter{Name: aws.String(name), Values: src.Filters[name]})
	}
	var images []types.Image
	pages := ec2.NewDescribeImagesPaginator(api, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return types.Image{}, fmt.Errorf("looking up source AMI by filters: %w", err)
		}
		images = append(images, page.Images...)
	}
	if len(images) == 0 {
		return types.Image{}, fmt.Errorf("%w: source: no available image owned by %s matches %s",
			builder.ErrTemplate, strings.Join(src.Owners, ", "), describeFilters(names, src.Filters))
	}
	return mostRecent(images), nil
}

// mostRecent picks the image created last; among images created in the same
// second, the one whose name sorts last (dated names put the newest there),
// then the highest id, so the pick never depends on the API's order.
func mostRecent(images []types.Image) types.Image {
	best := images[0]
	for _, im := range images[1:] {
		a, b := created(im), created(best)
		switch {
		case a.After(b):
			best = im
		case a.Equal(b) && (aws.ToString(im.Name) > aws.ToString(best.Name) ||
			aws.ToString(im.Name) == aws.ToString(best.Name) && aws.ToString(im.ImageId) > aws.ToString(best.ImageId)):
			best = im
		}
	}
	return best
}

func created(im types.Image) time.Time {
	t, err := time.Parse(time.RFC3339, aws.ToString(im.CreationDate))
	if err != nil {
		return time.Time{}
	}
	return t
}

func describeFilters(names []string, filters map[string][]string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + "=" + strings.Join(filters[n], "|")
	}
	return strings.Join(parts, ", ")
}

// stepSourceAMI checks that the source AMI Prepare resolved is still
// available: the job builds from exactly the image its inputs digest names.
type stepSourceAMI struct {
	b *bake
}

func (st *stepSourceAMI) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	b := st.b
	id := aws.ToString(b.source.ImageId)
	out, err := b.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}})
	if err == nil && (len(out.Images) == 0 || out.Images[0].State != types.ImageStateAvailable) {
		err = fmt.Errorf("it is no longer available")
	}
	if err != nil {
		return steps.Halt(state, fmt.Errorf("source AMI %s: %w", id, err))
	}
	b.source = out.Images[0]
	b.say("source %s (%s) in %s", id, aws.ToString(b.source.Name), b.region)
	return multistep.ActionContinue
}

func (st *stepSourceAMI) Cleanup(multistep.StateBag) {}
