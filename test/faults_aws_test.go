package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/mototest"
	"github.com/bakehq/bake/internal/targets/asg"
)

// faultAttempts is AWS_MAX_ATTEMPTS for the bake runs of the AWS fault
// tests: bake's own 8 attempts, with the SDK's backoff, take minutes to
// give up on an endpoint that keeps failing.
const faultAttempts = "AWS_MAX_ATTEMPTS=2"

// TestFaultAWSEndpointFailsDuringPromote fails every AWS call of a promote
// to an Auto Scaling group target from its CreateAutoScalingGroup on, with
// 503: with the ledger in SQLite, and with the ledger in DynamoDB behind the
// same failing endpoint. Bake exits 1 with one line naming the endpoint and
// what to do. No group was created; the launch template the promote made
// before the endpoint failed, which its cleanup could not remove, is what
// `bake sweep --aws` removes (or the next promote replaces). SQLite records
// the deployment as failed; DynamoDB keeps its started record, which the
// next command reports as interrupted and records as failed. Once the
// endpoint recovers, the same command succeeds.
func TestFaultAWSEndpointFailsDuringPromote(t *testing.T) {
	t.Parallel()
	for _, ledger := range []string{"sqlite", "dynamodb"} {
		t.Run(ledger+"-ledger", func(t *testing.T) {
			p := newAWSProject(t)
			front := newAWSFront(t, p.moto)
			p.useEndpoint(front.URL)
			if ledger == "sqlite" {
				p.useSQLiteLedger()
			}
			p.env = append(p.env, faultAttempts)
			p.releaseStopping("1.0.0", "echo 'web 1.0' > /etc/bake-release\n")

			front.failFrom("CreateAutoScalingGroup", aws503)
			args := []string{"promote", "web@1.0.0", "--to", "dev"}
			start := time.Now()
			res := bakeEnv(t, p.dir, p.env, args...)
			t.Logf("the promote failed in %s; the endpoint failed %v", time.Since(start).Round(time.Millisecond), front.failedOps())
			require.Contains(t, front.failedOps(), "CreateAutoScalingGroup")
			assert.Equal(t, 1, res.code)
			want := []string{"AWS endpoint " + front.URL + " answered 503 Service Unavailable after 2 attempts",
				"run the same command again", `"dev" still runs nothing`}
			if ledger == "dynamodb" {
				want = append(want, "recording the failure failed too", "`bake recover dev`")
			}
			assertClearError(t, res, want...)
			front.set(awsPass)

			// Nothing half-recorded, and no group in AWS.
			var h historyDoc
			decodeOne(t, mustBakeAWS(t, p, "history", "web", "--env", "dev", "-o", "json").stdout, &h)
			require.Len(t, h.Deployments, 1, "%+v", h.Deployments)
			res = bakeEnv(t, p.dir, p.env, "status", "--check")
			if ledger == "sqlite" {
				assert.Equal(t, "failed", h.Deployments[0].Outcome)
				assert.Contains(t, h.Deployments[0].Reason, "answered 503 Service Unavailable")
				assert.Equal(t, 0, res.code, res.String())
			} else {
				assert.Equal(t, "started", h.Deployments[0].Outcome, "the intent stands, with no outcome")
				assert.Equal(t, 4, res.code, res.String())
				assert.Contains(t, res.stdout, "interrupted: web in dev: promote web@1.0.0")
			}
			groups, err := p.aws.AutoScaling.DescribeAutoScalingGroups(t.Context(), &autoscaling.DescribeAutoScalingGroupsInput{
				AutoScalingGroupNames: []string{asg.GroupName(p.name+"-dev-web", "1.0.0")}})
			require.NoError(t, err)
			assert.Empty(t, groups.AutoScalingGroups, "no group of the failed promote")

			// The launch template the promote made, which its cleanup could
			// not remove, is what sweep removes; without a sweep, the next
			// promote recovers the interrupted one first, which removes it.
			left := p.launchTemplates()
			require.Len(t, left, 1, "the launch template the promote created before the endpoint failed")
			if ledger == "sqlite" {
				res = mustBakeAWS(t, p, "sweep", "--yes", "--aws", "--older-than", "0s", "-o", "json")
				var swept awsSweepDoc
				decodeOne(t, res.stdout, &swept)
				require.Len(t, swept.Leftovers, 1, res.stdout)
				assert.Equal(t, "launch-template", swept.Leftovers[0].Resource)
				assert.Equal(t, left[0], swept.Leftovers[0].ID)
				assert.True(t, swept.Leftovers[0].Removed, swept.Leftovers[0].Error)
				assert.Empty(t, p.launchTemplates())
			}

			// The endpoint recovered: the same command succeeds.
			res = mustBakeAWS(t, p, args...)
			assert.Contains(t, res.stdout, "promoted web in dev to 1.0.0")
			if ledger == "dynamodb" {
				assert.Contains(t, res.stderr, "interrupted: promote web@1.0.0")
				// Recovering the interrupted promote first deletes the
				// launch template its run could not.
				assert.Contains(t, res.stderr, `recovered web in "dev": nothing serves`)
			}
			p.assertServing("dev", "1.0.0")
			assert.Len(t, p.launchTemplates(), 1, "the launch template of the group that serves, and no other")
			mustBakeAWS(t, p, "status", "--check")
			decodeOne(t, mustBakeAWS(t, p, "history", "web", "--env", "dev", "-o", "json").stdout, &h)
			for _, d := range h.Deployments {
				assert.NotEqual(t, "started", d.Outcome, "deployment %d has no outcome: %+v", d.ID, h.Deployments)
			}
		})
	}
}

// TestFaultAWSEndpointFailsForDynamoDBLedger keeps a docker project's
// ledger in DynamoDB (on moto) and closes the ledger's connections, first
// from the release's record on, then from the first call on. Each time
// bake exits 1 with one line naming the endpoint and what to do, and
// records nothing; once the endpoint answers, the same command records
// the release.
func TestFaultAWSEndpointFailsForDynamoDBLedger(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("moto_server"); err != nil {
		t.Skip("moto_server is not on PATH (scripts/services.sh up installs it): the DynamoDB ledger needs it")
	}
	srv, err := mototest.Start()
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	front := newAWSFront(t, srv.Endpoint)
	p := newProject(t, projectOptions{})
	config, err := os.ReadFile(p.ConfigPath())
	require.NoError(t, err)
	ledger := "dynamodb://" + p.Name + "?region=" + awsRegion + "&endpoint=" + front.URL
	writeFile(t, p.ConfigPath(), strings.Replace(string(config), "ledger: ledger.db", "ledger: "+ledger, 1))
	env := append(awsTestEnv(), faultAttempts)
	args := []string{"release", "svc", "--version", "1.0.0"}
	unreachable := "AWS endpoint " + front.URL + " is unreachable (the connection was closed) after 2 attempts"

	// 1. The endpoint fails when the release is recorded, after its push.
	front.failFrom("TransactWriteItems", awsReset)
	res := bakeEnv(t, p.Dir, env, args...)
	require.Contains(t, front.failedOps(), "TransactWriteItems")
	assert.Equal(t, 1, res.code)
	assertClearError(t, res, unreachable, "run the same command again")
	front.set(awsPass)
	assertNotRecorded(t, p, env, "1.0.0")

	// 2. It fails from the first call on: bake reads the ledger first.
	front.set(awsReset)
	res = bakeEnv(t, p.Dir, env, args...)
	assert.Equal(t, 1, res.code)
	assertClearError(t, res, unreachable, "run the same command again")
	assert.NotContains(t, res.stderr, "validating", "nothing was built against a ledger that does not answer")
	front.set(awsPass)
	assertNotRecorded(t, p, env, "1.0.0")

	// 3. It answers again: the same command records the release.
	res = bakeEnv(t, p.Dir, env, args...)
	require.Equal(t, 0, res.code, res.String())
	var rel struct{ Status string }
	show := bakeEnv(t, p.Dir, env, "show", "svc@1.0.0", "-o", "json")
	require.Equal(t, 0, show.code, show.String())
	decodeOne(t, show.stdout, &rel)
	assert.Equal(t, "validated", rel.Status)
}

// assertNotRecorded checks that a project's ledger, read through env, has
// no svc@version.
func assertNotRecorded(t *testing.T, p *project, env []string, version string) {
	t.Helper()
	res := bakeEnv(t, p.Dir, env, "show", "svc@"+version)
	assert.Equal(t, 2, res.code, "svc@%s is not recorded\n%s", version, res)
	res = bakeEnv(t, p.Dir, env, "history", "svc", "-o", "json")
	require.Equal(t, 0, res.code, res.String())
	var h historyDoc
	decodeOne(t, res.stdout, &h)
	assert.Empty(t, h.Releases, "nothing is recorded")
}

// useEndpoint points the project's bake.yaml at endpoint instead of moto.
func (p *awsProject) useEndpoint(endpoint string) {
	t := p.t
	t.Helper()
	path := filepath.Join(p.dir, "bake.yaml")
	config, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(config), "endpoint: "+p.moto)
	writeFile(t, path, strings.Replace(string(config), "endpoint: "+p.moto, "endpoint: "+endpoint, 1))
}

// useSQLiteLedger keeps the project's ledger in a SQLite file.
func (p *awsProject) useSQLiteLedger() {
	t := p.t
	t.Helper()
	path := filepath.Join(p.dir, "bake.yaml")
	config, err := os.ReadFile(path)
	require.NoError(t, err)
	dynamo := "ledger: dynamodb://" + p.name + "-ledger"
	require.Contains(t, string(config), dynamo)
	writeFile(t, path, strings.Replace(string(config), dynamo, "ledger: ledger.db", 1))
}

// launchTemplates lists the ids of the project's launch templates.
func (p *awsProject) launchTemplates() []string {
	t := p.t
	t.Helper()
	out, err := p.aws.EC2.DescribeLaunchTemplates(t.Context(), &ec2.DescribeLaunchTemplatesInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag:" + engine.LabelProject), Values: []string{p.name}}}})
	require.NoError(t, err)
	var ids []string
	for _, lt := range out.LaunchTemplates {
		ids = append(ids, aws.ToString(lt.LaunchTemplateId))
	}
	return ids
}
