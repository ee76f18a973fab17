package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/artifact"
	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/ledger/sqlite"
	"github.com/bakehq/bake/internal/mototest"
	"github.com/bakehq/bake/internal/targets/asg"
)

// asgProject is a bake.yaml with one image whose prod target is an Auto
// Scaling group in a target group on moto, and a ledger holding releases.
type asgProject struct {
	dir     string
	project string
	tg      string
	aws     *awsx.Clients
}

func newASGProject(t *testing.T) *asgProject {
	ctx := context.Background()
	endpoint := mototest.Endpoint(t)
	p := &asgProject{dir: t.TempDir(), project: fmt.Sprintf("cli%d", time.Now().UnixNano()%1e9)}
	cfg, err := awsx.Load(ctx, awsx.Settings{Region: "us-east-1", Endpoint: endpoint}, nil)
	require.NoError(t, err)
	p.aws = awsx.NewClients(cfg)
	vpcs, err := p.aws.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{
		{Name: aws.String("is-default"), Values: []string{"true"}}}})
	require.NoError(t, err)
	tg, err := p.aws.ELB.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{
		Name: aws.String(p.project), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		VpcId: vpcs.Vpcs[0].VpcId, TargetType: elbtypes.TargetTypeEnumInstance,
	})
	require.NoError(t, err)
	p.tg = aws.ToString(tg.TargetGroups[0].TargetGroupArn)
	require.NoError(t, os.MkdirAll(filepath.Join(p.dir, "templates", "web"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(p.dir, "images", "web"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(p.dir, "bake.yaml"), []byte(`project: `+p.project+`
aws: {region: us-east-1, endpoint: `+endpoint+`}
images:
  web:
    template: templates/web
environments:
  - name: prod
    retention: {previous: stopped}
    targets:
      web: {type: asg, replicas: 2, health_timeout: 10s, target_groups: ["`+p.tg+`"]}
`), 0o644))
	return p
}

// release registers an AMI in moto and records web@version with it (in
// region, or us-east-1).
func (p *asgProject) release(t *testing.T, version, region string) {
	ctx := context.Background()
	img, err := p.aws.EC2.RegisterImage(ctx, &ec2.RegisterImageInput{Name: aws.String(p.project + "-" + version)})
	require.NoError(t, err)
	store, err := sqlite.Open(ctx, filepath.Join(p.dir, ".bake", "ledger.db"))
	require.NoError(t, err)
	defer store.Close()
	amis := map[string]string{region: aws.ToString(img.ImageId)}
	require.NoError(t, store.PutRelease(ctx, ledger.Release{Image: "web", Version: version, Digest: artifact.AMIDigest(amis),
		Status: ledger.StatusValidated, AMIs: amis, CreatedAt: time.Now()}))
}

// bake runs one bake command in-process, as the binary would.
func (p *asgProject) bake(args ...string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	f := &Factory{Out: &out, Err: &errOut, Operation: engine.NewOperationID()}
	defer f.Close()
	root := NewRootCmd(f)
	root.SetArgs(append([]string{"--config", filepath.Join(p.dir, "bake.yaml")}, args...))
	_, err = root.ExecuteContextC(context.Background())
	return out.String(), errOut.String(), err
}

// TestASGTargetThroughTheCLI promotes, plans, shows and rolls back an
// image whose environment runs Auto Scaling groups; the Docker engine is
// never needed.
func TestASGTargetThroughTheCLI(t *testing.T) {
	p := newASGProject(t)
	p.release(t, "1.0.0", "us-east-1")
	p.release(t, "1.1.0", "us-east-1")
	p.release(t, "1.2.0", "eu-west-1")
	group := func(v string) string { return asg.GroupName(p.project+"-prod-web", v) }

	out, errOut, err := p.bake("promote", "web@1.0.0", "--to", "prod")
	require.NoError(t, err, errOut)
	assert.Contains(t, out, "promoted web in prod to 1.0.0 (was none), serving in target group(s) "+p.project)
	assert.Contains(t, errOut, "wrote /bake/"+p.project+"/web/prod: web@1.0.0")

	out, errOut, err = p.bake("promote", "web@1.1.0", "--to", "prod", "--plan")
	require.NoError(t, err, errOut)
	assert.Contains(t, out, "create launch template and Auto Scaling group "+group("1.1.0")+": 2 x t3.micro, in target group(s) "+p.project)
	assert.Contains(t, out, "scale "+group("1.0.0")+" to zero, kept for rollback")

	_, errOut, err = p.bake("promote", "web@1.1.0", "--to", "prod")
	require.NoError(t, err, errOut)
	out, errOut, err = p.bake("status", "web", "--check")
	require.NoError(t, err, errOut+out)
	assert.Contains(t, out, "prod: group "+group("1.1.0")+" (1.1.0): 2 of 2 in service, in "+p.project)
	assert.Contains(t, out, "prod: group "+group("1.0.0")+" (1.0.0): 0 of 0 in service, out of the target groups")

	out, errOut, err = p.bake("rollback", "web", "--env", "prod", "--yes")
	require.NoError(t, err, errOut)
	assert.Contains(t, out, "rolled back web in prod to 1.0.0 (was 1.1.0)")
	assert.Contains(t, errOut, "scaling Auto Scaling group "+group("1.0.0")+" (kept for rollback) back up to 2")

	// An asg target's instances log where AWS sends their logs: bake says so.
	_, _, err = p.bake("logs", "web", "--env", "prod")
	require.Error(t, err)
	assert.Equal(t, ExitInput, ExitCode(err), "%v", err)
	assert.Equal(t, `reading the logs of web@1.0.0 in "prod": the asg target of web in "prod" cannot read the logs of its replicas: bake reads logs of docker targets only; read them where the asg target sends them`, err.Error())

	out, errOut, err = p.bake("status", "web", "--check", "-o", "json")
	require.NoError(t, err, errOut+out)
	var st statusResult
	require.NoError(t, json.Unmarshal([]byte(out), &st))
	doc := st.Images
	require.Len(t, doc[0].Environments[0].Detail, 2, "the Auto Scaling groups")
	assert.Len(t, doc[0].Environments[0].Replicas, 2)

	// A group put back into the target group by hand is drift.
	_, err = p.aws.AutoScaling.UpdateAutoScalingGroup(context.Background(), &autoscaling.UpdateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String(group("1.1.0")), MinSize: aws.Int32(1), MaxSize: aws.Int32(1), DesiredCapacity: aws.Int32(1)})
	require.NoError(t, err)
	_, err = p.aws.AutoScaling.AttachLoadBalancerTargetGroups(context.Background(), &autoscaling.AttachLoadBalancerTargetGroupsInput{
		AutoScalingGroupName: aws.String(group("1.1.0")), TargetGroupARNs: []string{p.tg}})
	require.NoError(t, err)
	out, _, err = p.bake("status", "web", "--check")
	require.ErrorIs(t, err, ErrDrift)
	assert.Equal(t, ExitDrift, ExitCode(err))
	assert.Contains(t, out, "drift: web in prod: Auto Scaling group "+group("1.1.0")+" (1.1.0) is in target group(s) "+p.project+", but the record says 1.0.0 runs")

	// A release without an AMI in the region is bad input, for a plan and a promotion alike.
	for _, args := range [][]string{{"promote", "web@1.2.0", "--to", "prod", "--plan"}, {"promote", "web@1.2.0", "--to", "prod"}} {
		_, _, err = p.bake(args...)
		require.Error(t, err)
		assert.Equal(t, ExitInput, ExitCode(err), "%v: %v", args, err)
		assert.ErrorContains(t, err, `no AMI of web@1.2.0 in "us-east-1"`)
	}
}
