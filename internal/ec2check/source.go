package ec2check

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// source finds the source image: the one named, or the most recent
// available image that matches the filters and owners. Nothing available
// is a problem at src.At.
func (c *Checker) source(ctx context.Context, src Source, add adder) (types.Image, error) {
	if src.AMI != "" {
		out, err := c.api.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{src.AMI}})
		switch code := apiCode(err); {
		case code == "InvalidAMIID.NotFound" || code == "InvalidAMIID.Malformed" || err == nil && len(out.Images) == 0:
			add(src.At, "%s does not exist in %s", src.AMI, c.region)
			return types.Image{}, nil
		case err != nil:
			return types.Image{}, fmt.Errorf("looking up source AMI %s: %w", src.AMI, err)
		case out.Images[0].State != types.ImageStateAvailable:
			add(src.At, "%s is %s, not available", src.AMI, out.Images[0].State)
			return types.Image{}, nil
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
	pages := ec2.NewDescribeImagesPaginator(c.api, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return types.Image{}, fmt.Errorf("looking up source AMI by filters: %w", err)
		}
		images = append(images, page.Images...)
	}
	if len(images) == 0 {
		add(src.At, "no available image in %s owned by %s matches %s", c.region, strings.Join(src.Owners, ", "), describeFilters(names, src.Filters))
		return types.Image{}, nil
	}
	return MostRecent(images), nil
}

// MostRecent picks the image created last; among images created in the
// same second, the one whose name sorts last (dated names put the newest
// there), then the highest id, so the pick never depends on the API's order.
func MostRecent(images []types.Image) types.Image {
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
