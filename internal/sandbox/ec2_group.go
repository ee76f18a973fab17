package sandbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/cenkalti/backoff/v5"
	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/steps"
)

// SecurityGroupAPI is what the sandbox's security group asks of EC2.
type SecurityGroupAPI interface {
	CreateSecurityGroup(context.Context, *ec2.CreateSecurityGroupInput, ...func(*ec2.Options)) (*ec2.CreateSecurityGroupOutput, error)
	DeleteSecurityGroup(context.Context, *ec2.DeleteSecurityGroupInput, ...func(*ec2.Options)) (*ec2.DeleteSecurityGroupOutput, error)
	RevokeSecurityGroupEgress(context.Context, *ec2.RevokeSecurityGroupEgressInput, ...func(*ec2.Options)) (*ec2.RevokeSecurityGroupEgressOutput, error)
	AuthorizeSecurityGroupEgress(context.Context, *ec2.AuthorizeSecurityGroupEgressInput, ...func(*ec2.Options)) (*ec2.AuthorizeSecurityGroupEgressOutput, error)
	ec2.DescribeSubnetsAPIClient
}

// stepSecurityGroup gives the sandbox instance a security group of its
// own: no ingress (bake reaches it only through SSM, which the agent dials
// out to), and egress only to HTTPS, what the SSM agent needs; the image
// under test reaches nothing else. (The VPC's DNS resolver and the
// instance metadata service are not subject to security groups.) Cleanup
// deletes it once the instance is gone.
type stepSecurityGroup struct {
	run       *ec2Run
	attempted bool
	id        string
}

func (st *stepSecurityGroup) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := st.run
	s, subj := r.sandbox, r.subject
	name := r.groupName()
	in := &ec2.CreateSecurityGroupInput{
		GroupName:   aws.String(name),
		Description: aws.String(fmt.Sprintf("bake: sandbox of %s@%s, no ingress, egress to HTTPS (SSM) only", subj.Image.Name, subj.Version)),
		TagSpecifications: []ec2types.TagSpecification{
			{ResourceType: ec2types.ResourceTypeSecurityGroup, Tags: awsx.EC2Tags(r.tags())},
		},
	}
	if subnet := subj.Image.Sandbox.Subnet; subnet != "" {
		out, err := s.EC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{subnet}})
		if err == nil && len(out.Subnets) == 0 {
			err = errors.New("no such subnet")
		}
		if err != nil {
			return steps.Halt(state, fmt.Errorf("looking up subnet %s for the sandbox's security group: %w", subnet, err))
		}
		in.VpcId = out.Subnets[0].VpcId
	}
	st.attempted = true
	out, err := s.EC2.CreateSecurityGroup(ctx, in)
	if err != nil {
		return steps.Halt(state, fmt.Errorf("creating the sandbox's security group %s: %w", name, err))
	}
	st.id = aws.ToString(out.GroupId)
	r.groupID = st.id
	// A new group allows all egress; replace that with HTTPS only.
	_, err = s.EC2.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: out.GroupId,
		IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("-1"), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
	if err != nil && apiCode(err) != "InvalidPermission.NotFound" {
		return steps.Halt(state, fmt.Errorf("removing the default egress of security group %s: %w", st.id, err))
	}
	_, err = s.EC2.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: out.GroupId,
		IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443),
			IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0"), Description: aws.String("SSM agent")}}}}})
	if err != nil {
		return steps.Halt(state, fmt.Errorf("allowing HTTPS egress in security group %s: %w", st.id, err))
	}
	r.say("created security group %s (%s): no ingress, egress to HTTPS only", st.id, name)
	return multistep.ActionContinue
}

// Cleanup deletes the group, retrying while the terminated instance still
// holds it. A group whose create call went unanswered carries the
// operation's tags, so `bake sweep --aws` finds it.
func (st *stepSecurityGroup) Cleanup(multistep.StateBag) {
	r := st.run
	if st.id == "" {
		if st.attempted {
			r.cleanupFailed(fmt.Errorf("security group %s may have been made; run `bake sweep --aws --operation %s`",
				r.groupName(), r.sandbox.Operation))
		}
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		_, err := r.sandbox.EC2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(st.id)})
		if err != nil && apiCode(err) != "DependencyViolation" && apiCode(err) != "InvalidGroup.InUse" {
			return struct{}{}, backoff.Permanent(err)
		}
		return struct{}{}, err
	}, backoff.WithMaxElapsedTime(3*time.Minute))
	if err != nil && apiCode(err) != "InvalidGroup.NotFound" {
		r.cleanupFailed(fmt.Errorf("deleting security group %s: %w; run `bake sweep --aws --operation %s`", st.id, err, r.sandbox.Operation))
		return
	}
	r.say("deleted security group %s", st.id)
}

// groupName names the sandbox's security group, unique to the operation.
func (r *ec2Run) groupName() string {
	return fmt.Sprintf("bake-sandbox-%s-%s-%s", r.sandbox.Project, r.subject.Image.Name, r.sandbox.Operation)
}

// apiCode is the AWS error code of err, "" if it is not an API error.
func apiCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}
