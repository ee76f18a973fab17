package e2e

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/builder/ami"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/targets/asg"
)

// killedRelease starts a release of version with a changed script, kills
// it with SIGKILL while it waits for its build instance to power off, and
// returns the operation id of that bake.
func (p *awsProject) killedRelease(version, script string) string {
	t := p.t
	t.Helper()
	p.writeScript(script)
	ctx, cancel := context.WithTimeout(t.Context(), bakeTimeout)
	defer cancel()
	cmd := bakeCmd(ctx, p.dir, p.env, "release", "web", "--version", version)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var build string
	for build == "" {
		if ids := p.liveBuilds(ctx); len(ids) == 1 {
			build = ids[0]
		}
		if build != "" && !strings.Contains(out.String(), "launched build instance "+build) {
			build = "" // launched, but bake is not waiting for it yet
		}
		select {
		case err := <-exited:
			t.Fatalf("bake release web --version %s exited before its build instance ran: %v\n%s", version, err, out.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	require.NoError(t, cmd.Process.Kill())
	<-exited
	t.Logf("killed bake release web --version %s while build instance %s runs:\n%s", version, build, out.String())
	assert.Equal(t, ec2types.InstanceStateNameRunning, p.instances(ami.KindBuild, "")[build])
	res := bakeEnv(t, p.dir, p.env, "show", "web@"+version)
	assert.Equal(t, 2, res.code, "a killed release is not recorded\n%s", res)

	out2, err := p.aws.EC2.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{InstanceIds: []string{build}})
	require.NoError(t, err)
	op := tagValue(out2.Reservations[0].Instances[0].Tags, engine.LabelOperation)
	require.NotEmpty(t, op)
	return op
}

// killedPromoteRecovers kills `bake promote web@VERSION --to ENV` once its
// group starts coming up, then checks that `bake status --check` reports the
// interruption, that `bake recover ENV` converges, and that afterwards
// env's target group holds one release's group: the promoted one if
// recovery finished the promote, else the one that served before.
func (p *awsProject) killedPromoteRecovers(env, version, before string) {
	t := p.t
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), bakeTimeout)
	defer cancel()
	cmd := bakeCmd(ctx, p.dir, p.env, "promote", "web@"+version, "--to", env)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for !strings.Contains(out.String(), "Auto Scaling group "+asg.GroupName(p.name+"-"+env+"-web", version)) {
		select {
		case err := <-exited:
			t.Fatalf("bake promote web@%s exited before its group came up: %v\n%s", version, err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	require.NoError(t, cmd.Process.Kill())
	<-exited
	t.Logf("killed bake promote web@%s --to %s:\n%s", version, env, out.String())

	res := bakeEnv(t, p.dir, p.env, "status", "--check")
	assert.Equal(t, 4, res.code, "the interruption shows\n%s", res)
	assert.Contains(t, res.stdout, "bake recover "+env)
	var rec struct {
		Recoveries []struct {
			Action string `json:"action"`
			Serves string `json:"serves"`
		} `json:"recoveries"`
	}
	decodeOne(t, mustBakeAWS(t, p, "recover", env, "-o", "json").stdout, &rec)
	require.Len(t, rec.Recoveries, 1)
	want := before
	if rec.Recoveries[0].Action == "finished" {
		want = version
	}
	assert.Equal(t, want, rec.Recoveries[0].Serves)
	p.assertServing(env, want)
	mustBakeAWS(t, p, "status", "--check")
}
