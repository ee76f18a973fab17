package sandbox_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/sandbox"
)

// launchSpy passes every call to moto and keeps what the sandbox asked
// RunInstances for, and the instance's security group as moto had it then.
type launchSpy struct {
	sandbox.EC2API
	run   *ec2.RunInstancesInput
	group ec2types.SecurityGroup
}

func (s *launchSpy) RunInstances(ctx context.Context, in *ec2.RunInstancesInput, opts ...func(*ec2.Options)) (*ec2.RunInstancesOutput, error) {
	s.run = in
	out, err := s.EC2API.(*ec2.Client).DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: in.SecurityGroupIds})
	if err == nil && len(out.SecurityGroups) == 1 {
		s.group = out.SecurityGroups[0]
	}
	return s.EC2API.RunInstances(ctx, in, opts...)
}

// The sandbox instance runs with IMDSv2 only, in a security group of its
// own with no ingress and egress to HTTPS only, deleted afterwards.
func TestEC2SandboxIsolation(t *testing.T) {
	f := newEC2Fixture(t)
	spy := &launchSpy{EC2API: f.clients.EC2}
	f.sandbox.EC2 = spy
	img := &config.Image{Name: "web", Checks: []config.Check{commandCheck("true", 0, "", "true")}}
	_, err := f.sandbox.Validate(context.Background(), f.subject(img))
	require.NoError(t, err)

	require.NotNil(t, spy.run, "an instance was launched")
	require.NotNil(t, spy.run.MetadataOptions)
	assert.Equal(t, ec2types.HttpTokensStateRequired, spy.run.MetadataOptions.HttpTokens, "IMDSv2 only")
	require.Len(t, spy.run.SecurityGroupIds, 1)
	group := spy.run.SecurityGroupIds[0]
	assert.Equal(t, group, aws.ToString(spy.group.GroupId), "moto had the group when the instance launched")
	assert.Equal(t, "bake-sandbox-demo-web-"+f.sandbox.Operation, aws.ToString(spy.group.GroupName))
	assert.Empty(t, spy.group.IpPermissions, "no ingress")
	require.Len(t, spy.group.IpPermissionsEgress, 1, "one egress rule: %+v", spy.group.IpPermissionsEgress)
	egress := spy.group.IpPermissionsEgress[0]
	assert.Equal(t, "tcp", aws.ToString(egress.IpProtocol))
	assert.Equal(t, int32(443), aws.ToInt32(egress.FromPort))
	assert.Equal(t, int32(443), aws.ToInt32(egress.ToPort))

	inst := f.instances(t)
	require.Len(t, inst, 1)
	require.Len(t, inst[0].SecurityGroups, 1)
	assert.Equal(t, group, aws.ToString(inst[0].SecurityGroups[0].GroupId))
	left, err := f.clients.EC2.DescribeSecurityGroups(context.Background(), &ec2.DescribeSecurityGroupsInput{
		Filters: []ec2types.Filter{{Name: aws.String("group-id"), Values: []string{group}}}})
	require.NoError(t, err)
	assert.Empty(t, left.SecurityGroups, "the group is deleted with the instance")
}
