package asg_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/targets"
)

// TestObserveForeignGroups attaches groups bake has no record of to the
// environment's target group (another project's, one bake did not make)
// and checks that status sees each as drift, naming it and whose it is,
// while a group of another project in no target group of the environment
// is left alone.
func TestObserveForeignGroups(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.KeepStopped, 3)
	v1 := f.release("1.0.0")
	_, _, err := f.execute(ledger.KindPromote, v1)
	require.NoError(t, err)
	tgt := f.env.Targets[image]
	observe := func() targets.State {
		t.Helper()
		st, err := f.newTarget().Observe(t.Context(), targets.Observation{Env: env, Image: image, Target: tgt, Version: "1.0.0"})
		require.NoError(t, err)
		return st
	}
	require.Empty(t, observe().Drift, "only the recorded group is in the target group")

	other := "other" + f.project
	lt := f.project + "-foreign"
	_, err = f.aws.EC2.CreateLaunchTemplate(t.Context(), &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String(lt),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String(v1.AMIs[region]), InstanceType: ec2types.InstanceTypeT3Micro}})
	require.NoError(t, err)
	foreign := func(name string, tgs []string, tags map[string]string) {
		t.Helper()
		in := &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String(name),
			LaunchTemplate: &astypes.LaunchTemplateSpecification{LaunchTemplateName: aws.String(lt)},
			MinSize:        aws.Int32(0), MaxSize: aws.Int32(1), DesiredCapacity: aws.Int32(0),
			AvailabilityZones: []string{region + "a"}, TargetGroupARNs: tgs}
		for k, v := range tags {
			in.Tags = append(in.Tags, astypes.Tag{Key: aws.String(k), Value: aws.String(v)})
		}
		_, err := f.aws.AutoScaling.CreateAutoScalingGroup(t.Context(), in)
		require.NoError(t, err)
		t.Cleanup(func() {
			_, _ = f.aws.AutoScaling.DeleteAutoScalingGroup(t.Context(), &autoscaling.DeleteAutoScalingGroupInput{
				AutoScalingGroupName: aws.String(name), ForceDelete: aws.Bool(true)})
		})
	}
	bakeTags := map[string]string{engine.LabelProject: other, engine.LabelEnv: env, engine.LabelImage: image, engine.LabelVersion: "3"}
	foreign(other+"-web-v3", []string{f.tg}, bakeTags)
	foreign(f.project+"-legacy", []string{f.tg}, nil)
	foreign(other+"-web-v4", nil, bakeTags)

	st := observe()
	tgName := f.project + "-web"
	assert.Equal(t, []string{
		"Auto Scaling group " + other + "-web-v3 (of project " + other + ") is in target group(s) " + tgName + ", but the record says 1.0.0 runs",
		"Auto Scaling group " + f.project + "-legacy (not made by bake) is in target group(s) " + tgName + ", but the record says 1.0.0 runs",
	}, st.Drift)
	assert.Len(t, st.Replicas, 3, "the replicas are the environment's own")
}
