package e2e

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/engine"
)

// TestSweepAWSWithoutLedger: a project that has recorded nothing has no
// ledger, and `sweep --aws` still looks for leftovers (none of them can be
// recorded) without creating one.
func TestSweepAWSWithoutLedger(t *testing.T) {
	t.Parallel()
	p := newAWSProject(t)
	p.writeScript("echo web > /etc/bake-release\n")
	res := mustBakeAWS(t, p, "sweep", "--aws", "--dry-run", "--older-than", "0s")
	assert.Contains(t, res.stdout, "nothing to sweep")

	tables, err := dynamodb.NewFromConfig(p.aws.Config).ListTables(t.Context(), &dynamodb.ListTablesInput{})
	require.NoError(t, err)
	assert.NotContains(t, tables.TableNames, p.name+"-ledger", "sweep created no ledger")
}

// TestSweepAWSLeavesUnknownOperations: a security group and an instance
// that carry bake's tags, with an operation id no bake run here had, are
// what anyone who can tag resources could make to have sweep delete them
// (a production database's group). sweep --aws lists them, says why it
// leaves them alone, and removes nothing of them.
func TestSweepAWSLeavesUnknownOperations(t *testing.T) {
	t.Parallel()
	p := newAWSProject(t)
	p.writeScript("echo web > /etc/bake-release\n")
	ctx := t.Context()
	old := time.Now().Add(-3 * time.Hour).UTC().Format(time.RFC3339)
	tags := func(res ec2types.ResourceType) []ec2types.TagSpecification {
		return []ec2types.TagSpecification{{ResourceType: res, Tags: []ec2types.Tag{
			{Key: aws.String(engine.LabelProject), Value: aws.String(p.name)},
			{Key: aws.String(engine.LabelOperation), Value: aws.String("0123456789ab")},
			{Key: aws.String(engine.LabelKind), Value: aws.String("ami-build")},
			{Key: aws.String(engine.LabelCreated), Value: aws.String(old)},
		}}}
	}
	sg, err := p.aws.EC2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("prod-db"),
		Description: aws.String("production database"), TagSpecifications: tags(ec2types.ResourceTypeSecurityGroup)})
	require.NoError(t, err)
	imgs, err := p.aws.EC2.DescribeImages(ctx, &ec2.DescribeImagesInput{})
	require.NoError(t, err)
	require.NotEmpty(t, imgs.Images)
	run, err := p.aws.EC2.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: imgs.Images[0].ImageId, MinCount: aws.Int32(1),
		MaxCount: aws.Int32(1), InstanceType: ec2types.InstanceTypeT3Micro, TagSpecifications: tags(ec2types.ResourceTypeInstance)})
	require.NoError(t, err)
	instance := aws.ToString(run.Instances[0].InstanceId)

	res := mustBakeAWS(t, p, "sweep", "--aws", "--older-than", "0s", "--yes")
	assert.Regexp(t, `(?m)^instance\s.*`+instance+`.*left alone: no bake run known here created it \(operation 0123456789ab`, res.stdout)
	assert.Regexp(t, `(?m)^security-group\s.*`+aws.ToString(sg.GroupId)+`.*left alone`, res.stdout)
	assert.Contains(t, res.stdout, "swept nothing")

	groups, err := p.aws.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{aws.ToString(sg.GroupId)}})
	require.NoError(t, err)
	assert.Len(t, groups.SecurityGroups, 1, "the group stays")
	inst, err := p.aws.EC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{instance}})
	require.NoError(t, err)
	assert.Equal(t, ec2types.InstanceStateNameRunning, inst.Reservations[0].Instances[0].State.Name, "the instance still runs")
}
