package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/mototest"
)

const awsRegion = "us-east-1"

// awsEnv is the environment of every bake process that talks to the bench's
// moto: credentials that reach nothing but moto, and no profile, metadata
// service or endpoint of the machine's.
var awsEnv = []string{
	"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_SESSION_TOKEN=testing",
	"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=" + os.DevNull, "AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull,
	"AWS_PROFILE=", "AWS_ENDPOINT_URL=", "AWS_REGION=", "AWS_DEFAULT_REGION=",
}

// motoEndpoint starts the bench's own moto_server on first use (the tests'
// helper, so nothing the bench does touches another moto's state) and
// returns its endpoint, or "" when moto_server is not installed.
func (b *bench) motoEndpoint() string {
	if b.moto != "" {
		return b.moto
	}
	if _, err := exec.LookPath("moto_server"); err != nil {
		return ""
	}
	srv, err := mototest.Start()
	if err != nil {
		die("starting moto_server: %v", err)
	}
	b.atExit(srv.Close)
	for _, kv := range awsEnv {
		k, v, _ := strings.Cut(kv, "=")
		if v == "" {
			_ = os.Unsetenv(k)
		} else {
			_ = os.Setenv(k, v)
		}
	}
	b.moto = srv.Endpoint
	return b.moto
}

// awsClients are clients of the bench's moto.
func (b *bench) awsClients(ctx context.Context) *awsx.Clients {
	cfg, err := awsx.Load(ctx, awsx.Settings{Region: awsRegion, Endpoint: b.motoEndpoint(),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "testing", SecretAccessKey: "testing", SessionToken: "testing"}, nil
		})}, nil)
	if err != nil {
		die("aws: %v", err)
	}
	return awsx.NewClients(cfg)
}

var (
	awsCallsLine       = regexp.MustCompile(`aws: ([0-9]+) API calls`)
	awsCallsDetailLine = regexp.MustCompile(`aws: [0-9]+ API calls \((.*)\)`)
	amiAvailable       = regexp.MustCompile(`^AMI .* is available in `)
	copiedAMI          = regexp.MustCompile(`^copied AMI `)
)

// awsTable: API calls per switch of an Auto Scaling group, AMI copies to
// 1 and 3 regions, and API calls and times of ECS promotions, on moto.
func (b *bench) awsTable() string {
	if b.motoEndpoint() == "" {
		logf("aws: moto_server is not installed: skipping (scripts/services.sh up installs it)")
		return "\n### AWS\n\nNot measured: moto_server is not installed.\n"
	}
	ctx := context.Background()
	logf("aws: a project with an AMI image and an asg target of 3 instances, on moto at %s", b.moto)
	c := b.awsClients(ctx)
	ecsRows := b.ecsSection(c)
	images, err := c.EC2.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"},
		Filters: []ec2types.Filter{{Name: aws.String("name"), Values: []string{"amzn2-ami-hvm-*-x86_64-gp2"}}}})
	if err != nil || len(images.Images) == 0 {
		die("aws: no Amazon Linux 2 AMI on moto: %v", err)
	}
	source := aws.ToString(images.Images[0].ImageId)
	vpcs, err := c.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{
		{Name: aws.String("is-default"), Values: []string{"true"}}}})
	if err != nil || len(vpcs.Vpcs) == 0 {
		die("aws: no default VPC on moto: %v", err)
	}
	tg, err := c.ELB.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{
		Name: aws.String("bench-web"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		VpcId: vpcs.Vpcs[0].VpcId, TargetType: elbtypes.TargetTypeEnumInstance,
	})
	if err != nil {
		die("aws: creating a target group: %v", err)
	}
	targetGroup := aws.ToString(tg.TargetGroups[0].TargetGroupArn)

	dir := filepath.Join(b.work, "aws")
	if err := os.RemoveAll(dir); err != nil { // a project of the bench's moto, made anew with it
		die("%v", err)
	}
	write := func(rel, content string, mode os.FileMode) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			die("%v", err)
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			die("%v", err)
		}
	}
	write("templates/web/ami.yaml", fmt.Sprintf(`source: {ami: %s}
scripts: [setup.sh]
env: {WEB_VERSION: "{{ .Version }}"}
regions: [{{ .Vars.regions }}]
`, source), 0o644)
	write("images/web/setup.sh", "#!/bin/sh\necho \"web $WEB_VERSION\" >/etc/motd\n", 0o755)
	// project writes bake.yaml with the copies going to regions.
	projectYAML := func(regions string) {
		write("bake.yaml", fmt.Sprintf(`project: bench-aws
ledger: ledger.db
aws: {region: %s, endpoint: "%s"}
images:
  web:
    template: templates/web
    vars: {regions: "%s"}
environments:
  - name: prod
    retention: {previous: stopped}
    targets:
      web: {type: asg, replicas: 3, target_groups: ["%s"], health_timeout: 2m}
`, awsRegion, b.moto, regions, targetGroup), 0o644)
	}
	projectYAML("us-west-2")

	// moto runs no user data: stop every build instance as its scripts would
	// once they ran.
	stop, stopped := make(chan struct{}), make(chan struct{})
	go b.powerOff(c, "bench-aws", stop, stopped)
	var once bool
	end := func() {
		if !once {
			once = true
			close(stop)
			<-stopped
		}
	}
	b.atExit(end)

	b.must("aws-release-1.0.0", dir, b.bake, "release", "web", "--version", "1.0.0")
	b.must("aws-release-1.1.0", dir, b.bake, "release", "web", "--version", "1.1.0")
	first := "-"
	if o := b.bakeOp("aws-promote-first", dir, opTimeout, "promote", "web@1.0.0", "--to", "prod"); o.OK {
		first = awsCalls(o)
	}
	var promote, rollback []string
	for i := 1; i <= rounds; i++ {
		logf("aws round %d/%d: promote web@1.1.0 to a 3-instance group, then roll back", i, rounds)
		if o := b.bakeOp(fmt.Sprintf("aws-promote-%d", i), dir, opTimeout, "promote", "web@1.1.0", "--to", "prod"); o.OK {
			promote = append(promote, awsCalls(o))
		}
		if o := b.bakeOp(fmt.Sprintf("aws-rollback-%d", i), dir, opTimeout, "rollback", "web", "--env", "prod", "--yes"); o.OK {
			rollback = append(rollback, awsCalls(o))
		}
	}
	var copy1, copy3, step1, step3 []float64
	for i := 1; i <= rounds; i++ {
		logf("aws round %d/%d: rebuild with copies to 1 region, then to 3", i, rounds)
		projectYAML("us-west-2")
		if o := b.bakeOp(fmt.Sprintf("aws-copy1-%d", i), dir, releaseTimeout, "build", "web", "--version", "2.0.0", "--force", "-o", "json"); o.OK {
			copy1 = append(copy1, round(o.S(), 3))
			step1 = append(step1, copyStep(o))
		}
		projectYAML("us-west-2, eu-west-1, ap-southeast-2")
		if o := b.bakeOp(fmt.Sprintf("aws-copy3-%d", i), dir, releaseTimeout, "build", "web", "--version", "2.0.0", "--force", "-o", "json"); o.OK {
			copy3 = append(copy3, round(o.S(), 3))
			step3 = append(step3, copyStep(o))
		}
	}
	end()

	num := func(v []string) []float64 {
		var out []float64
		for _, s := range v {
			if n, err := strconv.ParseFloat(s, 64); err == nil {
				out = append(out, n)
			}
		}
		return out
	}
	list := func(v []string) string {
		if len(v) == 0 {
			return "-"
		}
		return strings.Join(v, " ")
	}
	c1, c3, s1, s3 := statsOf(copy1), statsOf(copy3), statsOf(step1), statsOf(step3)
	return fmt.Sprintf(`
### AWS, on moto: a 3-instance Auto Scaling group, AMI copies and ECS services

moto answers every call at once and reports targets healthy as soon as they
are registered, so these are counts and ratios, not AWS's own times: on AWS
every 5 s of waiting for health adds one DescribeAutoScalingGroups and one
DescribeTargetHealth per target group. Each count is what `+"`bake`"+` itself reports
("aws: N API calls"), every attempt of every call included.

| operation | API calls, median | each run |
| --- | ---: | --- |
| first `+"`bake promote web@1.0.0 --to prod`"+` (creates the group) | %s | %s |
| `+"`bake promote web@1.1.0 --to prod`"+` (new group, old one scaled to zero) | %s | %s |
| `+"`bake rollback web --env prod`"+` (old group scaled back up, new one to zero) | %s | %s |

| build with `+"`--force`"+` | copies | build median s | each build, s | copy step median s | each copy step, s |
| --- | ---: | ---: | --- | ---: | --- |
| `+"`regions: [us-west-2]`"+` | 1 | %s | %s | %s | %s |
| `+"`regions: [us-west-2, eu-west-1, ap-southeast-2]`"+` | 3 | %s | %s | %s | %s |

The copy step runs from the AMI being available in the build region to every
copy being available; the copies run in parallel, so 3 regions should cost
about what 1 does: 3 copies / 1 copy = %s for the step, %s for the whole build.
Most of a build's time is bake's 5 s poll of the build instance (its state, tags and console output).
On moto a copy is available as soon as it is asked for, so the step is a few
API calls either way and its ratio is per-call overhead; on AWS, where each
copy takes minutes, copying one region after another would multiply it.
%s`, first, first, statsOf(num(promote)).med(0), list(promote), statsOf(num(rollback)).med(0), list(rollback),
		c1.med(3), each(copy1, 3), s1.med(3), each(step1, 3), c3.med(3), each(copy3, 3), s3.med(3), each(step3, 3),
		ratio(round(s3.Med, 3), round(s1.Med, 3)), ratio(round(c3.Med, 3), round(c1.Med, 3)), ecsRows)
}

// powerOff stops every running build instance of project until stop closes.
func (b *bench) powerOff(c *awsx.Clients, project string, stop <-chan struct{}, stopped chan<- struct{}) {
	defer close(stopped)
	ctx := context.Background()
	filters := []ec2types.Filter{
		{Name: aws.String("tag:dev.bake.kind"), Values: []string{"ami-build"}},
		{Name: aws.String("tag:dev.bake.project"), Values: []string{project}},
		{Name: aws.String("instance-state-name"), Values: []string{"running"}},
	}
	for {
		select {
		case <-stop:
			return
		case <-time.After(200 * time.Millisecond):
		}
		out, err := c.EC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: filters})
		if err != nil {
			continue
		}
		var ids []string
		for _, r := range out.Reservations {
			for _, i := range r.Instances {
				ids = append(ids, aws.ToString(i.InstanceId))
			}
		}
		if len(ids) > 0 {
			_, _ = c.EC2.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids})
		}
	}
}

// awsCallsDetail is what a run reported of its AWS API calls by
// operation ("ECS.ListTasks 4, ...").
func awsCallsDetail(o op) string {
	data, _ := os.ReadFile(o.Log)
	all := awsCallsDetailLine.FindAllStringSubmatch(string(data), -1)
	if len(all) == 0 {
		return ""
	}
	return all[len(all)-1][1]
}

// awsCalls is the number of AWS API calls a run reported.
func awsCalls(o op) string {
	data, _ := os.ReadFile(o.Log)
	all := awsCallsLine.FindAllStringSubmatch(string(data), -1)
	if len(all) == 0 {
		return "-"
	}
	return all[len(all)-1][1]
}

// copyStep is the seconds from the AMI being available in the build region
// to its copies being available, from the run's JSON progress events.
func copyStep(o op) float64 {
	file, err := os.Open(o.Log)
	if err != nil {
		return 0
	}
	defer file.Close()
	var available, copied time.Time
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var ev struct {
			Text string    `json:"text"`
			Time time.Time `json:"time"`
		}
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			continue
		}
		if available.IsZero() && amiAvailable.MatchString(ev.Text) {
			available = ev.Time
		}
		if copied.IsZero() && copiedAMI.MatchString(ev.Text) {
			copied = ev.Time
		}
	}
	if available.IsZero() || copied.IsZero() {
		return 0
	}
	return round(copied.Sub(available).Seconds(), 3)
}
