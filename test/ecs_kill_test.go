package e2e

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/mototest"
)

// TestECSKillRecoverSweep kills `bake promote` with SIGKILL while it waits
// for the new release's tasks to be healthy (they run, and never register
// in their target group), then `bake recover` puts the recorded release
// back and deletes what the killed run made, so `bake sweep --aws` finds
// nothing of it left; the listener forwards everything to the old release.
// Then, without AWS credentials, status says the live state is unavailable
// and why, and promote is refused in one line with nothing recorded.
func TestECSKillRecoverSweep(t *testing.T) {
	t.Parallel()
	p := newECSProject(t, nil)
	p.release("1.0.0")
	p.mustBake("promote", "svc@1.0.0", "--to", "dev")
	p.release("1.1.0")
	revisions := p.taskDefinitions("dev")
	require.Len(t, revisions, 1, "1.0.0's revision")

	// 1. Killed during the health wait: 1.1.0's service, target group
	// (in the listener at weight 0) and revision are left.
	p.agents["dev"].SetFate(p.serviceName("dev", "1.1.0"), mototest.FateUnregistered)
	p.killedPromote("dev", "1.1.0")
	require.NotNil(t, p.service("dev", "1.1.0"), "the killed run's service is left")
	assert.Equal(t, map[string]int32{"template": 0, "1.0.0": 100, "1.1.0": 0}, p.weights("dev"))
	assert.Len(t, p.taskDefinitions("dev"), 2, "the killed run's revision is left")
	res := p.bake("status", "--check")
	assert.Equal(t, 4, res.code, "the interruption shows\n%s", res)
	assert.Contains(t, res.stdout, "bake recover dev")

	// 2. recover puts 1.0.0 back alone, deletes the service, target group
	// and revision the killed run made, and records the run as failed.
	var rec struct {
		Recoveries []struct {
			Action   string `json:"action"`
			Serves   string `json:"serves"`
			Recorded struct {
				Version string `json:"version"`
				Outcome string `json:"outcome"`
			} `json:"recorded"`
		} `json:"recoveries"`
	}
	res = p.mustBake("recover", "dev", "-o", "json")
	decodeOne(t, res.stdout, &rec)
	require.Len(t, rec.Recoveries, 1, res.String())
	assert.Equal(t, "reverted", rec.Recoveries[0].Action)
	assert.Equal(t, "1.0.0", rec.Recoveries[0].Serves)
	assert.Equal(t, "1.1.0", rec.Recoveries[0].Recorded.Version)
	assert.Equal(t, "failed", rec.Recoveries[0].Recorded.Outcome)
	assert.Contains(t, res.stderr, "deleted svc-v1-1-0, its target group and revision (left by the interrupted run)")

	// 3. So sweep --aws finds nothing of the killed run, and leaves what
	// the recorded deployment runs.
	res = p.mustBake("sweep", "--aws", "--dry-run", "--older-than", "0s")
	assert.Contains(t, res.stdout, "nothing to sweep")
	res = p.mustBake("sweep", "--aws", "--older-than", "0s", "--yes")
	assert.Contains(t, res.stdout, "nothing to sweep")
	assert.Equal(t, map[string]int32{"template": 0, "1.0.0": 100}, p.weights("dev"), "1.0.0 alone gets requests")
	assert.Nil(t, p.service("dev", "1.1.0"), "1.1.0's service is deleted")
	assert.False(t, p.targetGroupExists("dev", "1.1.0"), "1.1.0's target group is deleted")
	assert.ElementsMatch(t, revisions, p.taskDefinitions("dev"), "1.1.0's revision is deleted")
	assert.ElementsMatch(t, []string{"svc-v1-0-0"}, p.activeServices("dev"))
	assert.Equal(t, int32(2), p.service("dev", "1.0.0").DesiredCount)
	res = p.mustBake("status", "--check")
	assert.Contains(t, res.stdout, "dev: service svc-v1-0-0 (1.0.0): 2 of 2 tasks running, 2 healthy, weight 100 in the listener")

	// 4. Without AWS credentials status shows the record and says the
	// live state is unavailable and why; --check cannot check (2); promote
	// is refused in one line (2), and nothing is recorded or changed.
	noCredentials := append(append([]string{}, p.env...), "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=",
		"AWS_SESSION_TOKEN=", "AWS_PROFILE=", "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull,
		"AWS_CONFIG_FILE="+os.DevNull, "AWS_EC2_METADATA_DISABLED=true")
	const why = "ecs targets: AWS credentials not found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
	history := p.mustBake("history", "svc", "-o", "json").stdout
	res = bakeEnv(t, p.Dir, noCredentials, "status")
	require.Equal(t, 0, res.code, res.String())
	assert.Regexp(t, `(?m)^\s*dev\s+1\.0\.0\s`, res.stdout, "the record is shown")
	assert.Contains(t, res.stdout, "live state unavailable: svc in dev: "+why)
	assert.NotContains(t, res.stdout, "drift:")
	res = bakeEnv(t, p.Dir, noCredentials, "status", "--check")
	assert.Equal(t, 2, res.code, res.String())
	assert.Contains(t, res.stdout, "live state unavailable: svc in dev: "+why)
	assert.Contains(t, res.stderr, "bake: checking for drift: live state unavailable")
	res = bakeEnv(t, p.Dir, noCredentials, "promote", "svc@1.1.0", "--to", "dev")
	assert.Equal(t, 2, res.code, res.String())
	assert.True(t, strings.HasPrefix(res.stderr, "bake: "+why), res.String())
	assert.Equal(t, 1, strings.Count(res.stderr, "\n"), "one line\n%s", res)
	assert.Empty(t, res.stdout)
	assert.Equal(t, history, p.mustBake("history", "svc", "-o", "json").stdout, "nothing is recorded")
	assert.Equal(t, map[string]int32{"template": 0, "1.0.0": 100}, p.weights("dev"))
}

// killedPromote starts `bake promote svc@VERSION --to ENV` and kills it
// with SIGKILL once it has created the release's service, while it waits
// for its tasks to be healthy.
func (p *ecsProject) killedPromote(env, version string) {
	t := p.t
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), bakeTimeout)
	defer cancel()
	cmd := bakeCmd(ctx, p.Dir, p.env, "promote", "svc@"+version, "--to", env)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	for !strings.Contains(out.String(), "created ECS service "+p.serviceName(env, version)) {
		select {
		case err := <-exited:
			t.Fatalf("bake promote svc@%s exited before it created its service: %v\n%s", version, err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	require.NoError(t, cmd.Process.Kill())
	<-exited
	t.Logf("killed bake promote svc@%s --to %s:\n%s", version, env, out.String())
}
