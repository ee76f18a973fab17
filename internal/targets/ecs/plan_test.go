package ecs

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/targets"
)

func planRequest() targets.Request {
	return targets.Request{Env: "prod", Image: &config.Image{Name: "web"},
		Release: ledger.Release{Version: "1.1.0", Reference: "registry/web@sha256:ab"},
		Target: &config.Target{Replicas: 2, HealthTimeout: time.Minute, ECS: &config.ECS{
			Cluster: "main", Listener: "arn:listener", TargetGroup: "arn:aws:elasticloadbalancing:r:1:targetgroup/tmpl/1",
			Service: "web", LaunchType: config.ECSFargate, NetworkMode: config.ECSAWSVPC, CPU: 256, Memory: 512,
		}}}
}

func TestPlanSteps(t *testing.T) {
	req := planRequest()
	fresh := targets.Plan{Group: "web-v1-1-0", Switch: "the forward action of arn:listener", Warm: []string{"web-v1-0-0"}, Remove: []string{"web-v0-9-0"}}
	got := strings.Join(planSteps(fresh, req, "1.0.0", "shop-prod-web", "web-v1-1-0-12345678"), "\n")
	assert.Equal(t, `register a task definition revision in family shop-prod-web: registry/web@sha256:ab, 256 CPU units, 512 MiB, awsvpc
create target group web-v1-1-0-12345678, a copy of tmpl; it joins the listener at weight 0
create ECS service web-v1-1-0 in cluster main: 2 tasks on FARGATE
wait until 2 tasks run and each is healthy in its target group (within 1m0s)
switch the forward action of arn:listener: web-v1-1-0 at weight 100, every other target group 0
record the deployment and write its SSM parameter
keep web-v1-0-0 running at weight 0 (warm) for rollback
take web-v0-9-0 out of the listener and delete them with their target groups and task definition revisions`, got)

	warm := targets.Plan{Group: "web-v1-1-0", Switch: "the forward action of arn:listener", Reuse: []string{"web-v1-1-0"}}
	steps := planSteps(warm, req, "1.2.0", "f", "tg")
	assert.Equal(t, "use ECS service web-v1-1-0 (kept warm, its target group at weight 0 in the listener)", steps[0])
	assert.Contains(t, steps[2], "switch", "a rollback to a warm release starts nothing: it switches")

	stopped := targets.Plan{Group: "web-v1-1-0", Switch: "x", Restart: []string{"web-v1-1-0"}}
	assert.Equal(t, "scale ECS service web-v1-1-0 (kept for rollback) back up to 2 tasks; its target group joins the listener at weight 0",
		planSteps(stopped, req, "1.2.0", "f", "tg")[0])
}

func TestDrift(t *testing.T) {
	req := planRequest()
	tmpl := req.Target.ECS.TargetGroup
	ok := &Detail{Services: []Service{
		{Name: "web-v1-1-0", Version: "1.1.0", TargetGroup: "tg11", Weight: 100, Healthy: 2},
		{Name: "web-v1-0-0", Version: "1.0.0", TargetGroup: "tg10", Weight: 0, Healthy: 2},
	}, Weights: []Weight{{tmpl, 0}, {"tg10", 0}, {"tg11", 100}}}
	assert.Empty(t, driftOf("1.1.0", ok, req.Target), "a warm release at weight 0 is no drift")

	bad := &Detail{Services: []Service{
		{Name: "web-v1-1-0", Version: "1.1.0", TargetGroup: "tg11", Weight: 50, Healthy: 1},
		{Name: "web-v1-0-0", Version: "1.0.0", TargetGroup: "tg10", Weight: 50, Healthy: 2},
	}, Weights: []Weight{{"tg10", 50}, {"tg11", 50}, {"arn:aws:elasticloadbalancing:r:1:targetgroup/other/2", 0}}}
	drift := driftOf("1.1.0", bad, req.Target)
	assert.Len(t, drift, 3, drift)
	assert.Contains(t, drift[0], "has 1 running and healthy")
	assert.Contains(t, drift[1], "web-v1-0-0 (1.0.0) gets requests (weight 50)")
	assert.Contains(t, drift[2], "other (weight 0)", "a foreign target group in the forward action")

	missing := driftOf("1.2.0", ok, req.Target)
	assert.Contains(t, strings.Join(missing, "\n"), "its ECS service web-v1-2-0 does not exist")
}
