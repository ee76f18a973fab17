package e2e

import (
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/mototest"
)

// awsCallsLine matches the line a run that called AWS ends with.
var awsCallsLine = regexp.MustCompile(`(?m)^aws: [0-9]+ API calls \((.*)\)$`)

// TestECSPromoteRollback promotes two releases of an image from the
// registry through ECS services in dev and prod, rolls prod back to the
// release it keeps warm with one listener change, and refuses a release
// whose tasks crash, leaving nothing of it and the listener as it was.
func TestECSPromoteRollback(t *testing.T) {
	t.Parallel()
	p := newECSProject(t, map[string]string{"prod": "{previous: warm}"})
	v1 := p.release("1.0.0")

	// 1. dev, then prod from dev: a service per release, running the image
	// by digest, behind its own copy of the template group, which gets
	// every request.
	res := p.mustBake("promote", "svc@1.0.0", "--to", "dev")
	assert.Contains(t, res.stdout, "promoted svc in dev to 1.0.0")
	res = p.mustBake("promote", "svc", "--from", "dev", "--to", "prod")
	assert.Contains(t, res.stdout, "promoted svc in prod to 1.0.0")
	for _, env := range p.Envs {
		assert.Equal(t, map[string]int32{"template": 0, "1.0.0": 100}, p.weights(env), "%s's listener", env)
		s := p.service(env, "1.0.0")
		require.NotNil(t, s, "%s has a service of 1.0.0", env)
		assert.Equal(t, int32(2), s.DesiredCount)
		td, err := p.aws.ECS.DescribeTaskDefinition(t.Context(), &ecs.DescribeTaskDefinitionInput{TaskDefinition: s.TaskDefinition})
		require.NoError(t, err)
		require.Len(t, td.TaskDefinition.ContainerDefinitions, 1)
		assert.Equal(t, v1.Reference, aws.ToString(td.TaskDefinition.ContainerDefinitions[0].Image), "%s runs 1.0.0 by digest", env)
	}

	// 2. The second release replaces the first; prod keeps 1.0.0 warm.
	v2 := p.release("1.1.0")
	require.NotEqual(t, v1.Digest, v2.Digest)
	p.mustBake("promote", "svc@1.1.0", "--to", "dev")
	res = p.mustBake("promote", "svc", "--from", "dev", "--to", "prod")
	assert.Contains(t, res.stdout, "promoted svc in prod to 1.1.0 (was 1.0.0)")
	assert.Equal(t, map[string]int32{"template": 0, "1.0.0": 0, "1.1.0": 100}, p.weights("prod"))
	require.NotNil(t, p.service("prod", "1.0.0"), "prod keeps 1.0.0 warm")
	assert.Equal(t, int32(2), p.service("prod", "1.0.0").DesiredCount)

	// 3. The rollback to the warm release is one listener change: no
	// service, task definition or target group is made or scaled.
	res = p.mustBake("rollback", "svc", "--env", "prod", "--yes")
	assert.Contains(t, res.stdout, "rolled back svc in prod to 1.0.0 (was 1.1.0)")
	calls := awsCallsLine.FindStringSubmatch(res.stderr)
	require.NotNil(t, calls, "the rollback reports its AWS calls\n%s", res)
	assert.Regexp(t, `\.ModifyListener 1(,|$)`, calls[1])
	assert.NotRegexp(t, `ModifyRule|CreateService|UpdateService|DeleteService|RegisterTaskDefinition|CreateTargetGroup|DeleteTargetGroup`, calls[1])
	assert.Equal(t, map[string]int32{"template": 0, "1.0.0": 100, "1.1.0": 0}, p.weights("prod"))

	// 4. status shows each service's tasks and the listener's weights; all
	// is as recorded.
	res = p.mustBake("status", "--check")
	assert.Contains(t, res.stdout, "prod: service svc-v1-0-0 (1.0.0): 2 of 2 tasks running, 2 healthy, weight 100 in the listener")
	assert.Contains(t, res.stdout, "prod: service svc-v1-1-0 (1.1.0): 2 of 2 tasks running, 2 healthy, weight 0 in the listener")
	assert.Contains(t, res.stdout, "dev: service svc-v1-1-0 (1.1.0): 2 of 2 tasks running, 2 healthy, weight 100 in the listener")
	assert.Regexp(t, `(?m)^\s*prod: listener forwards to .*`+p.targetGroupName("prod", "1.0.0")+` 100%`, res.stdout)

	// 5. A release whose tasks crash in prod is refused: the run deletes
	// what it made and the listener still sends everything to 1.0.0.
	p.release("1.2.0")
	p.mustBake("promote", "svc@1.2.0", "--to", "dev")
	p.agents["prod"].SetFate(p.serviceName("prod", "1.2.0"), mototest.FateCrash)
	revisions := p.taskDefinitions("prod")
	require.Len(t, revisions, 2, "1.0.0's and 1.1.0's revisions")
	res = p.bake("promote", "svc@1.2.0", "--to", "prod")
	require.Equal(t, 1, res.code, "a release whose tasks crash is refused\n%s", res)
	assert.Regexp(t, `task [0-9a-f-]+ of ECS service svc-v1-2-0 stopped: `+mototest.CrashReason, res.stderr)
	assert.NotContains(t, res.stderr, "warning:", "everything the run made was removed")
	assert.Equal(t, map[string]int32{"template": 0, "1.0.0": 100, "1.1.0": 0}, p.weights("prod"))
	assert.Nil(t, p.service("prod", "1.2.0"), "1.2.0's service is deleted")
	assert.False(t, p.targetGroupExists("prod", "1.2.0"), "1.2.0's target group is deleted")
	assert.ElementsMatch(t, revisions, p.taskDefinitions("prod"), "1.2.0's task definition revision is deleted")
	assert.ElementsMatch(t, []string{"svc-v1-0-0", "svc-v1-1-0"}, p.activeServices("prod"))
	assert.Equal(t, int32(2), p.service("prod", "1.0.0").DesiredCount, "the serving service was never touched")
	res = p.mustBake("status", "--check")
	assert.Contains(t, res.stdout, "prod: service svc-v1-0-0 (1.0.0): 2 of 2 tasks running, 2 healthy, weight 100 in the listener")
}
