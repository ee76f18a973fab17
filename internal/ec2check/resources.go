package ec2check

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// subnets checks that every subnet of refs exists in the region.
func (c *Checker) subnets(ctx context.Context, refs []Ref, add adder) error {
	if len(refs) == 0 {
		return nil
	}
	var found []string
	pages := ec2.NewDescribeSubnetsPaginator(c.api, &ec2.DescribeSubnetsInput{
		Filters: []types.Filter{{Name: aws.String("subnet-id"), Values: ids(refs)}},
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("looking up subnets in %s: %w", c.region, err)
		}
		for _, s := range page.Subnets {
			found = append(found, aws.ToString(s.SubnetId))
		}
	}
	c.missing(refs, found, "subnet", add)
	return nil
}

// securityGroups checks that every security group of refs exists in the region.
func (c *Checker) securityGroups(ctx context.Context, refs []Ref, add adder) error {
	if len(refs) == 0 {
		return nil
	}
	var found []string
	pages := ec2.NewDescribeSecurityGroupsPaginator(c.api, &ec2.DescribeSecurityGroupsInput{
		Filters: []types.Filter{{Name: aws.String("group-id"), Values: ids(refs)}},
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("looking up security groups in %s: %w", c.region, err)
		}
		for _, g := range page.SecurityGroups {
			found = append(found, aws.ToString(g.GroupId))
		}
	}
	c.missing(refs, found, "security group", add)
	return nil
}
