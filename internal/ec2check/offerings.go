package ec2check

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/bakehq/bake/internal/yamlerr"
)

// instanceType checks that the region offers r's instance type.
func (c *Checker) instanceType(ctx context.Context, r Ref, add adder) error {
	offered, err := c.offered(ctx)
	if err != nil {
		return err
	}
	if slices.Contains(offered, r.Value) {
		return nil
	}
	if sug := suggestType(r.Value, offered); sug != "" {
		add(r.At, "%s does not offer instance type %q; did you mean %q?", c.region, r.Value, sug)
	} else {
		add(r.At, "%s does not offer instance type %q (`aws ec2 describe-instance-type-offerings --region %s` lists those it does)",
			c.region, r.Value, c.region)
	}
	return nil
}

// offered returns the instance types the region offers, asking EC2 the
// first time only.
func (c *Checker) offered(ctx context.Context) ([]string, error) {
	c.once.Do(func() {
		in := &ec2.DescribeInstanceTypeOfferingsInput{LocationType: types.LocationTypeRegion}
		pages := ec2.NewDescribeInstanceTypeOfferingsPaginator(c.api, in)
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				c.offerErr = fmt.Errorf("reading the instance types %s offers: %w", c.region, err)
				return
			}
			for _, o := range page.InstanceTypeOfferings {
				c.offerings = append(c.offerings, string(o.InstanceType))
			}
		}
		slices.Sort(c.offerings)
	})
	return c.offerings, c.offerErr
}

// suggestType finds the offered type closest to t: within its family
// first (t3.mikro -> t3.micro), then among all.
func suggestType(t string, offered []string) string {
	family, _, _ := strings.Cut(t, ".")
	var same []string
	for _, o := range offered {
		if strings.HasPrefix(o, family+".") {
			same = append(same, o)
		}
	}
	if s := yamlerr.Suggest(t, same); s != "" {
		return s
	}
	return yamlerr.Suggest(t, offered)
}

// ids are the values of refs, each once.
func ids(refs []Ref) []string {
	var out []string
	for _, r := range refs {
		if !slices.Contains(out, r.Value) {
			out = append(out, r.Value)
		}
	}
	return out
}

// missing reports each ref whose value is not among found: it is no
// what (subnet, security group) in the region.
func (c *Checker) missing(refs []Ref, found []string, what string, add adder) {
	for _, r := range refs {
		if !slices.Contains(found, r.Value) {
			add(r.At, "%q is no %s in %s", r.Value, what, c.region)
		}
	}
}
