package ecs_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
)

// TestRetentionStoppedThenRemoved keeps the replaced release stopped (out
// of the listener, scaled to zero), rolls back to it (scale up, wait,
// switch), and then, with removed, deletes the replaced one entirely.
func TestRetentionStoppedThenRemoved(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.KeepStopped)
	ctx := t.Context()
	_, err := f.deploy(ctx, release("1.0.0"), "")
	require.NoError(t, err)
	_, err = f.deploy(ctx, release("1.1.0"), "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, map[string]int32{"template": 0, "1.1.0": 100}, f.weights(), "a stopped release leaves the listener")
	require.NotNil(t, f.service("1.0.0"), "a stopped release keeps its service")
	assert.Zero(t, f.service("1.0.0").DesiredCount)
	assert.True(t, f.targetGroupExists("1.0.0"), "and its target group")

	calls, err := f.deploy(ctx, release("1.0.0"), "1.1.0")
	require.NoError(t, err)
	assert.Equal(t, map[string]int32{"template": 0, "1.0.0": 100}, f.weights())
	assert.Equal(t, int32(2), f.service("1.0.0").DesiredCount, "the rollback scaled it back up")
	assert.Equal(t, 2, calls["ECS.UpdateService"], "1.0.0 scaled up, then 1.1.0 scaled to zero: %v", calls)
	assert.Zero(t, calls["ECS.CreateService"], "nothing new is made")

	f.keep = config.KeepRemoved
	td := aws.ToString(f.service("1.1.0").TaskDefinition)
	_, err = f.deploy(ctx, release("1.2.0"), "1.0.0")
	require.NoError(t, err)
	assert.Nil(t, f.service("1.0.0"), "removed: its service is deleted")
	assert.False(t, f.targetGroupExists("1.0.0"), "with its target group")
	assert.Equal(t, map[string]int32{"template": 0, "1.2.0": 100}, f.weights())
	require.NotNil(t, f.service("1.1.0"), "1.1.0 is the one release kept besides")
	assert.Zero(t, f.service("1.1.0").DesiredCount)
	out, err := f.aws.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(td)})
	if err == nil {
		assert.Equal(t, "ACTIVE", string(out.TaskDefinition.Status), "1.1.0's revision is kept")
	}
}
