package ecs_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
)

// TestListenerRule deploys behind a listener rule: its forward action
// moves (ModifyRule), the listener's default action is left alone.
func TestListenerRule(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.KeepWarm)
	ctx := t.Context()
	rule, err := f.aws.ELB.CreateRule(ctx, &elbv2.CreateRuleInput{ListenerArn: aws.String(f.listener), Priority: aws.Int32(10),
		Conditions: []elbtypes.RuleCondition{{Field: aws.String("path-pattern"), Values: []string{"/app/*"}}},
		Actions:    []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(f.template)}}})
	require.NoError(t, err)
	ruleARN := aws.ToString(rule.Rules[0].RuleArn)
	f.tgt.ECS.Listener = ruleARN

	calls, err := f.deploy(ctx, release("1.0.0"), "")
	require.NoError(t, err)
	assert.Equal(t, 2, calls["Elastic Load Balancing v2.ModifyRule"], "joined at weight 0, then switched: %v", calls)
	assert.Zero(t, calls["Elastic Load Balancing v2.ModifyListener"])
	assert.Equal(t, map[string]int32{"template": 1}, f.weights(), "the listener's default action is untouched")

	out, err := f.aws.ELB.DescribeRules(ctx, &elbv2.DescribeRulesInput{RuleArns: []string{ruleARN}})
	require.NoError(t, err)
	got := map[string]int32{}
	for _, tg := range out.Rules[0].Actions[0].ForwardConfig.TargetGroups {
		got[f.tgNameOf(aws.ToString(tg.TargetGroupArn))] = aws.ToInt32(tg.Weight)
	}
	assert.Equal(t, map[string]int32{"template": 0, "1.0.0": 100}, got)
}

// TestCheck refuses, before anything changes, a cluster that does not exist.
func TestCheck(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.KeepWarm)
	req := f.request(release("1.0.0"))
	require.NoError(t, f.target.Check(t.Context(), req))
	good := *f.tgt.ECS
	bad := good
	bad.Cluster = "nope"
	req.Target.ECS = &bad
	assert.ErrorContains(t, f.target.Check(t.Context(), req), `ECS cluster "nope" does not exist`)
	bad = good
	bad.TargetGroup = f.template[:len(f.template)-4] + "ffff"
	assert.ErrorContains(t, f.target.Check(t.Context(), req), "does not exist")
}
