package asg_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
)

// TestPromoteAndRollbackStopped deploys 1.0.0 to an empty environment,
// promotes 1.1.0 (the 1.0.0 group is scaled to zero and leaves the target
// group), and rolls back (the 1.0.0 group is scaled up again and serves,
// the 1.1.0 group is scaled to zero). The SSM pointer follows each
// deployment. It logs the AWS calls of a promotion and of a rollback of a
// 3-instance group in the default VPC's subnets, each as one bake run.
func TestPromoteAndRollbackStopped(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.KeepStopped, 3)
	v1, v2 := f.release("1.0.0"), f.release("1.1.0")

	res, first, err := f.execute(ledger.KindPromote, v1)
	require.NoError(t, err)
	assert.Len(t, res.Replicas, 3)
	g := f.group("1.0.0")
	require.NotNil(t, g)
	assert.EqualValues(t, 3, aws.ToInt32(g.DesiredCapacity))
	for _, i := range g.Instances {
		assert.Equal(t, "InService", string(i.LifecycleState))
	}
	f.serving("1.0.0")
	p := f.pointer()
	assert.Equal(t, "1.0.0", p.Version)
	assert.Equal(t, v1.Digest, p.Digest)
	assert.Equal(t, v1.AMIs, p.AMIs)
	assert.False(t, p.DeployedAt.IsZero())

	f.fresh() // each bake run looks up the default VPC's subnets once
	res, promotion, err := f.execute(ledger.KindPromote, v2)
	require.NoError(t, err)
	assert.Equal(t, "1.0.0", res.Deployment.Previous)
	f.serving("1.1.0")
	old := f.group("1.0.0")
	require.NotNil(t, old, "1.0.0's group is kept for rollback")
	assert.EqualValues(t, 0, aws.ToInt32(old.DesiredCapacity))
	assert.Empty(t, old.Instances)
	assert.Empty(t, old.TargetGroupARNs)
	assert.True(t, f.templateExists("1.0.0"))
	assert.Equal(t, "1.1.0", f.pointer().Version)

	f.fresh()
	res, rollback, err := f.execute(ledger.KindRollback, v1)
	require.NoError(t, err)
	assert.True(t, res.Pinned)
	f.serving("1.0.0")
	newer := f.group("1.1.0")
	require.NotNil(t, newer)
	assert.EqualValues(t, 0, aws.ToInt32(newer.DesiredCapacity))
	assert.Empty(t, newer.TargetGroupARNs)
	assert.Equal(t, "1.0.0", f.pointer().Version)
	assert.Contains(t, f.progress.String(), "scaling Auto Scaling group "+f.groupName("1.0.0")+" (kept for rollback) back up to 3")

	t.Logf("AWS API calls for a 3-instance group: first deployment %s; promotion %s; rollback %s",
		formatCalls(first), formatCalls(promotion), formatCalls(rollback))
}
