package ecs

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestForwardWeights(t *testing.T) {
	auth := elbtypes.Action{Type: elbtypes.ActionTypeEnumAuthenticateOidc, Order: aws.Int32(1)}
	single := &Forward{ARN: "l", index: 1, Actions: []elbtypes.Action{auth,
		{Type: elbtypes.ActionTypeEnumForward, Order: aws.Int32(2), TargetGroupArn: aws.String("tmpl")}}}
	assert.Equal(t, []Weight{{"tmpl", 1}}, single.Weights(), "a forward to one group gives it weight 1")

	ws := joined(single.Weights(), "v1")
	assert.Equal(t, []Weight{{"tmpl", 1}, {"v1", 0}}, ws, "a new group joins at weight 0")
	assert.Equal(t, ws, joined(ws, "v1"), "joining twice changes nothing")

	ws = switched(ws, "v1")
	assert.Equal(t, []Weight{{"tmpl", 0}, {"v1", 100}}, ws)
	ws = switched(joined(ws, "v2"), "v2")
	assert.Equal(t, []Weight{{"tmpl", 0}, {"v1", 0}, {"v2", 100}}, ws, "the old group stays at weight 0")
	assert.Equal(t, []string{"v2"}, serving(ws))
	assert.Equal(t, []Weight{{"tmpl", 0}, {"v2", 100}}, without(ws, "v1"))
	assert.Nil(t, without([]Weight{{"v2", 100}}, "v2"), "a forward action keeps a group")
	w, in := weightOf(ws, "v1")
	assert.True(t, in)
	assert.Zero(t, w)

	actions := single.With(ws)
	require.Len(t, actions, 2)
	assert.Equal(t, auth, actions[0], "the other actions stay")
	fwd := actions[1]
	assert.Nil(t, fwd.TargetGroupArn, "only ForwardConfig names the groups")
	assert.Equal(t, int32(2), aws.ToInt32(fwd.Order))
	require.NotNil(t, fwd.ForwardConfig)
	assert.Len(t, fwd.ForwardConfig.TargetGroups, 3)
	assert.Equal(t, "tmpl", aws.ToString(single.Actions[1].TargetGroupArn), "With leaves the action it read alone")

	back := &Forward{ARN: "l", index: 1, Actions: actions}
	assert.Equal(t, ws, back.Weights())
	assert.Equal(t, "tmpl 0%, v1 0%, v2 100%", describeWeights(ws))
}

func TestIsRule(t *testing.T) {
	assert.True(t, isRule("arn:aws:elasticloadbalancing:us-east-1:1:listener-rule/app/lb/1/2/3"))
	assert.False(t, isRule("arn:aws:elasticloadbalancing:us-east-1:1:listener/app/lb/1/2"))
}
