package asg_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
)

// TestKeepWarm keeps the replaced group running out of the target group;
// a rollback puts the same instances back without launching any.
func TestKeepWarm(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.KeepWarm, 3)
	v1, v2 := f.release("1.0.0"), f.release("1.1.0")
	_, _, err := f.execute(ledger.KindPromote, v1)
	require.NoError(t, err)
	warm := f.instances("1.0.0")

	_, _, err = f.execute(ledger.KindPromote, v2)
	require.NoError(t, err)
	f.serving("1.1.0")
	old := f.group("1.0.0")
	assert.EqualValues(t, 3, aws.ToInt32(old.DesiredCapacity), "kept warm")
	assert.Empty(t, old.TargetGroupARNs, "out of the target group")
	assert.Equal(t, warm, f.instances("1.0.0"))

	f.fresh()
	_, calls, err := f.execute(ledger.KindRollback, v1)
	require.NoError(t, err)
	f.serving("1.0.0")
	assert.Equal(t, warm, f.instances("1.0.0"), "the warm instances serve again")
	assert.Zero(t, calls["Auto Scaling.UpdateAutoScalingGroup"], "nothing was resized")
	newer := f.group("1.1.0")
	assert.EqualValues(t, 3, aws.ToInt32(newer.DesiredCapacity), "1.1.0 is kept warm in turn")
	assert.Empty(t, newer.TargetGroupARNs)
	t.Logf("AWS API calls of a warm rollback: %s", formatCalls(calls))
}

// TestKeepRemoved deletes the replaced group and its launch template; a
// rollback creates them again.
func TestKeepRemoved(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.KeepRemoved, 3)
	v1, v2 := f.release("1.0.0"), f.release("1.1.0")
	_, _, err := f.execute(ledger.KindPromote, v1)
	require.NoError(t, err)
	_, _, err = f.execute(ledger.KindPromote, v2)
	require.NoError(t, err)
	f.serving("1.1.0")
	assert.Nil(t, f.group("1.0.0"))
	assert.False(t, f.templateExists("1.0.0"))

	_, _, err = f.execute(ledger.KindRollback, v1)
	require.NoError(t, err)
	f.serving("1.0.0")
	assert.Nil(t, f.group("1.1.0"))
	assert.False(t, f.templateExists("1.1.0"))
	assert.True(t, f.templateExists("1.0.0"))
}

// TestRetention keeps the replaced group and older ones, scaled to zero,
// up to retention.releases besides the serving one, and deletes the rest.
func TestRetention(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.KeepStopped, 2)
	versions := []string{"1.0.0", "1.1.0", "1.2.0", "1.3.0"}
	for _, v := range versions {
		_, _, err := f.execute(ledger.KindPromote, f.release(v))
		require.NoError(t, err)
	}
	f.serving("1.3.0")
	assert.EqualValues(t, 0, aws.ToInt32(f.group("1.2.0").DesiredCapacity), "the replaced release, kept")
	assert.EqualValues(t, 0, aws.ToInt32(f.group("1.1.0").DesiredCapacity), "within retention")
	assert.Nil(t, f.group("1.0.0"), "beyond retention")
	assert.False(t, f.templateExists("1.0.0"))
	assert.True(t, f.templateExists("1.1.0"))
}
