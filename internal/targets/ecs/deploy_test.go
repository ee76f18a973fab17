package ecs_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/targets"
)

// TestPromoteKeepsWarmAndRollsBackInOneChange promotes twice, keeping the
// first release warm, then rolls back to it with one listener change.
func TestPromoteKeepsWarmAndRollsBackInOneChange(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.KeepWarm)
	ctx := t.Context()
	v1, v2 := release("1.0.0"), release("1.1.0")

	_, err := f.deploy(ctx, v1, "")
	require.NoError(t, err)
	assert.Equal(t, map[string]int32{"template": 0, "1.0.0": 100}, f.weights())
	require.NotNil(t, f.service("1.0.0"))

	_, err = f.deploy(ctx, v2, "1.0.0")
	require.NoError(t, err)
	assert.Equal(t, map[string]int32{"template": 0, "1.0.0": 0, "1.1.0": 100}, f.weights(), "1.0.0 is kept warm at weight 0")
	assert.Equal(t, int32(2), f.service("1.0.0").DesiredCount, "1.0.0 keeps running")

	st, err := f.target.Observe(ctx, targets.Observation{Env: env, Image: image, Target: f.tgt, Version: "1.1.0", Previous: "1.0.0", Keep: config.KeepWarm})
	require.NoError(t, err)
	assert.Empty(t, st.Drift)
	assert.Len(t, st.Replicas, 4, "two tasks of each release")

	calls, err := f.deploy(ctx, v1, "1.1.0")
	require.NoError(t, err)
	assert.Equal(t, map[string]int32{"template": 0, "1.0.0": 100, "1.1.0": 0}, f.weights())
	assert.Equal(t, 1, calls["Elastic Load Balancing v2.ModifyListener"], "a rollback to a warm release is one listener change: %v", calls)
	for op := range calls {
		assert.NotRegexp(t, `\.(Create|Register|Update|Delete)`, op, "a rollback to a warm release changes nothing else")
	}
	assert.Equal(t, int32(2), aws.ToInt32(aws.Int32(f.service("1.1.0").DesiredCount)), "1.1.0 is kept warm now")
}
