package ami

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/bakehq/bake/internal/steps"
)

// stepSecurityGroup creates a security group of the build's own, in the
// subnet's VPC (the default VPC without a subnet). It allows no ingress:
// nothing connects to the build instance. Its default egress lets the
// scripts reach package mirrors.
type stepSecurityGroup struct {
	b         *bake
	attempted bool
	vpcID     string
	id        string
}

func (st *stepSecurityGroup) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	b := st.b
	if subnet := b.recipe.Subnet; subnet != "" {
		out, err := b.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{subnet}})
		if err == nil && len(out.Subnets) == 0 {
			err = fmt.Errorf("no such subnet")
		}
		if err != nil {
			return steps.Halt(state, fmt.Errorf("looking up subnet %s in %s: %w", subnet, b.region, err))
		}
		st.vpcID = aws.ToString(out.Subnets[0].VpcId)
	}
	st.attempted = true
	cctx, cancel := createContext(ctx)
	defer cancel()
	in := &ec2.CreateSecurityGroupInput{
		GroupName:         aws.String(b.name),
		Description:       aws.String(fmt.Sprintf("bake: build instance of %s@%s, no ingress", b.spec.Image.Name, b.spec.Version)),
		TagSpecifications: tagSpec(types.ResourceTypeSecurityGroup, b.tags(KindBuild, nil)),
	}
	if st.vpcID != "" {
		in.VpcId = aws.String(st.vpcID)
	}
	out, err := b.ec2.CreateSecurityGroup(cctx, in)
	if err != nil {
		st.attempted = mayHaveMade(err)
		return steps.Halt(state, fmt.Errorf("creating security group %s in %s: %w", b.name, b.region, err))
	}
	st.id, b.groupID = aws.ToString(out.GroupId), aws.ToString(out.GroupId)
	b.say("created security group %s (%s)", st.id, b.name)
	return multistep.ActionContinue
}

func (st *stepSecurityGroup) Cleanup(multistep.StateBag) {
	if !st.attempted {
		return
	}
	b := st.b
	ctx, cancel := cleanupContext(cleanupTimeout)
	defer cancel()
	id := st.id
	if id == "" {
		// The call may have made it without answering.
		in := &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{{Name: aws.String("group-name"), Values: []string{b.name}}}}
		if st.vpcID != "" {
			in.Filters = append(in.Filters, types.Filter{Name: aws.String("vpc-id"), Values: []string{st.vpcID}})
		}
		out, err := b.ec2.DescribeSecurityGroups(ctx, in)
		if err != nil {
			b.leftover(fmt.Sprintf("security group %s in %s (if it was made)", b.name, b.region), err)
			return
		}
		if len(out.SecurityGroups) == 0 {
			return
		}
		id = aws.ToString(out.SecurityGroups[0].GroupId)
	}
	// The build instance holds the group until it is terminated.
	err := retryWhile(ctx, func(ctx context.Context) error {
		_, err := b.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(id)})
		return err
	}, "DependencyViolation", "InvalidGroup.InUse")
	if err != nil && apiCode(err) != "InvalidGroup.NotFound" {
		b.leftover(fmt.Sprintf("security group %s in %s", id, b.region), err)
		return
	}
	b.say("deleted security group %s", id)
}
