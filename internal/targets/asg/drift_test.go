package asg

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/targets"
)

func TestDriftOf(t *testing.T) {
	const tg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1"
	tgt := &config.Target{Type: config.TargetASG, Replicas: 2, ASG: &config.ASG{Group: "p-prod-web", TargetGroups: []string{tg}}}
	serving := Group{Name: "p-prod-web-v1.1.0", Version: "1.1.0", Desired: 2, TargetGroups: []string{tg},
		Instances: []targets.Replica{{ID: "i-1", Running: true}, {ID: "i-2", Running: true}}}
	kept := Group{Name: "p-prod-web-v1.0.0", Version: "1.0.0", TargetGroups: []string{}}

	assert.Empty(t, driftOf("1.1.0", []Group{serving, kept}, tgt), "as recorded")
	short := serving
	short.Instances = serving.Instances[:1]
	assert.Equal(t, []string{"the record says 2 instances of 1.1.0 in service, Auto Scaling group p-prod-web-v1.1.0 has 1"},
		driftOf("1.1.0", []Group{short, kept}, tgt), "an instance short")
	out := serving
	out.TargetGroups = []string{}
	assert.Equal(t, []string{"Auto Scaling group p-prod-web-v1.1.0 of 1.1.0 is in 0 of its 1 target group(s)"},
		driftOf("1.1.0", []Group{out}, tgt), "out of its target group")
	warm := kept
	warm.TargetGroups = []string{tg}
	assert.Equal(t, []string{"Auto Scaling group p-prod-web-v1.0.0 (1.0.0) is in target group(s) web, but the record says 1.1.0 runs"},
		driftOf("1.1.0", []Group{serving, warm}, tgt), "another group in traffic")
	assert.Len(t, driftOf("1.1.0", []Group{kept}, tgt), 1, "the recorded group is gone")
	assert.Empty(t, driftOf("", []Group{kept}, tgt), "nothing recorded, nothing serves")
}

func TestForeignDrift(t *testing.T) {
	const tg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1"
	tgt := &config.Target{Type: config.TargetASG, ASG: &config.ASG{Group: "p-prod-web", TargetGroups: []string{tg}}}
	staging := Group{Name: "p-staging-web-v2.0.0", Version: "2.0.0", TargetGroups: []string{tg}, project: "p", env: "staging", image: "web"}
	assert.Equal(t, []string{"Auto Scaling group p-staging-web-v2.0.0 (web@2.0.0 in staging) is in target group(s) web, but the record says none runs"},
		foreignDrift("p", "", []Group{staging}, tgt), "another environment's group")
}
