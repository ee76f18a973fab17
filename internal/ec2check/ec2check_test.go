package ec2check_test

import (
	"errors"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/ec2check"
	"github.com/bakehq/bake/internal/mototest"
	"github.com/bakehq/bake/internal/yamlerr"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

var errBad = errors.New("bad input")

// clients are clients of moto's us-east-1, their calls counted in calls.
func clients(t *testing.T, calls *awsx.Calls) *awsx.Clients {
	t.Helper()
	cfg, err := awsx.Load(t.Context(), awsx.Settings{Region: "us-east-1", Endpoint: mototest.Endpoint(t)}, calls)
	require.NoError(t, err)
	return awsx.NewClients(cfg)
}

func at(line int, key string) yamlerr.Error {
	return yamlerr.Error{File: "ami.yaml", Line: line, Column: 3, Key: key, Kind: errBad}
}

// TestCheckAgainstMoto finds real subnets, groups, types and images good,
// and reports every wrong one at once, one line each, in file order.
func TestCheckAgainstMoto(t *testing.T) {
	c := clients(t, nil)
	ctx := t.Context()
	vpc, err := c.EC2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.77.0.0/16")})
	require.NoError(t, err)
	sub, err := c.EC2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.77.1.0/24")})
	require.NoError(t, err)
	sg, err := c.EC2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("ec2check-" + t.Name()),
		Description: aws.String("test"), VpcId: vpc.Vpc.VpcId})
	require.NoError(t, err)
	subnet, group := aws.ToString(sub.Subnet.SubnetId), aws.ToString(sg.GroupId)

	image, err := c.EC2Check.Check(ctx, ec2check.Request{
		InstanceTypes:  []ec2check.Ref{{At: at(1, "instance_type"), Value: "t3.micro"}},
		Subnets:        []ec2check.Ref{{At: at(2, "subnet"), Value: subnet}},
		SecurityGroups: []ec2check.Ref{{At: at(3, "security_groups[0]"), Value: group}},
		Source:         &ec2check.Source{At: at(4, "source"), Filters: map[string][]string{"name": {"amzn2-ami-hvm-*-x86_64-gp2"}}, Owners: []string{"amazon"}},
	})
	require.NoError(t, err)
	assert.Contains(t, aws.ToString(image.Name), "amzn2-ami-hvm")

	_, err = c.EC2Check.Check(ctx, ec2check.Request{
		Source:         &ec2check.Source{At: at(1, "source"), Filters: map[string][]string{"name": {"no-such-*"}}, Owners: []string{"self"}},
		InstanceTypes:  []ec2check.Ref{{At: at(2, "instance_type"), Value: "t3.mikro"}, {At: at(3, "sandbox.instance_type"), Value: "zz9.plural"}},
		Subnets:        []ec2check.Ref{{At: at(4, "subnets[0]"), Value: subnet}, {At: at(5, "subnets[1]"), Value: "subnet-0deadbeef"}},
		SecurityGroups: []ec2check.Ref{{At: at(6, "security_groups[0]"), Value: "sg-0deadbeef"}},
	})
	require.Error(t, err)
	assert.ErrorIs(t, err, errBad)
	assert.Equal(t, `ami.yaml:1:3: source: no available image in us-east-1 owned by self matches name=no-such-*
ami.yaml:2:3: instance_type: us-east-1 does not offer instance type "t3.mikro"; did you mean "t3.micro"?
ami.yaml:3:3: sandbox.instance_type: us-east-1 does not offer instance type "zz9.plural" (`+"`aws ec2 describe-instance-type-offerings --region us-east-1`"+` lists those it does)
ami.yaml:5:3: subnets[1]: "subnet-0deadbeef" is no subnet in us-east-1
ami.yaml:6:3: security_groups[0]: "sg-0deadbeef" is no security group in us-east-1`, err.Error())

	_, err = c.EC2Check.Check(ctx, ec2check.Request{Source: &ec2check.Source{At: at(7, "source.ami"), AMI: "ami-0123456789abcdef0"}})
	require.Error(t, err)
	assert.Equal(t, "ami.yaml:7:3: source.ami: ami-0123456789abcdef0 does not exist in us-east-1", err.Error())
}

// TestInstanceTypesReadOncePerRun: every check of a run asks EC2 for the
// region's instance types once, whatever the number of types checked.
func TestInstanceTypesReadOncePerRun(t *testing.T) {
	var calls awsx.Calls
	c := clients(t, &calls)
	for _, typ := range []string{"t3.micro", "t3.small", "t3.mikro"} {
		_, _ = c.EC2Check.Check(t.Context(), ec2check.Request{InstanceTypes: []ec2check.Ref{{At: at(1, "instance_type"), Value: typ}}})
	}
	_, err := c.EC2Check.Check(t.Context(), ec2check.Request{InstanceTypes: []ec2check.Ref{
		{At: at(1, "a"), Value: "m5.large"}, {At: at(2, "b"), Value: "c5.xlarge"}}})
	require.NoError(t, err)
	assert.Equal(t, 1, calls.ByOperation()["EC2.DescribeInstanceTypeOfferings"], "%v", calls.ByOperation())
}
