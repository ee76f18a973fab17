package ami

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/bakehq/bake/internal/steps"
)

// stepWaitStopped waits, at most the build timeout, for the build instance
// to run its scripts and power itself off.
type stepWaitStopped struct {
	b *bake
}

func (st *stepWaitStopped) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	b := st.b
	start := time.Now()
	timeout := b.job.builder.buildTimeout()
	// The deadline is the context's, not the waiter's, which gives up early
	// (when less than one poll interval is left) and says nothing of why.
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := ec2.NewInstanceStoppedWaiter(b.ec2, func(o *ec2.InstanceStoppedWaiterOptions) {
		o.MinDelay, o.MaxDelay = b.job.builder.pollDelays(o.MinDelay, o.MaxDelay)
		o.Retryable = stoppedRetryable
	}).Wait(wctx, &ec2.DescribeInstancesInput{InstanceIds: []string{b.instanceID}}, timeout+time.Minute)
	switch {
	case ctx.Err() != nil:
		return steps.Halt(state, fmt.Errorf("waiting for build instance %s to power itself off: %w", b.instanceID, context.Cause(ctx)))
	case wctx.Err() != nil:
		return steps.Halt(state, fmt.Errorf("build instance %s did not power itself off within %s: a script failed or runs too long; "+
			"its output is in the instance's console output (aws ec2 get-console-output --instance-id %s) until the instance is terminated",
			b.instanceID, timeout, b.instanceID))
	case err != nil:
		return steps.Halt(state, fmt.Errorf("waiting for build instance %s to power itself off: %w", b.instanceID, err))
	}
	b.say("build instance %s ran its scripts and powered itself off after %s", b.instanceID, time.Since(start).Round(time.Second))
	return multistep.ActionContinue
}

func (st *stepWaitStopped) Cleanup(multistep.StateBag) {}

// stoppedRetryable is the InstanceStopped waiter's test, except that a
// pending instance is waited for (the SDK's waiter fails on it: it expects
// a StopInstances call, not an instance that powers itself off) and a
// terminated one is an error that says so.
func stoppedRetryable(ctx context.Context, in *ec2.DescribeInstancesInput, out *ec2.DescribeInstancesOutput, err error) (bool, error) {
	if err != nil {
		if apiCode(err) == "InvalidInstanceID.NotFound" {
			return true, nil // right after launch it may not be visible yet
		}
		return false, err
	}
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			if i.State == nil {
				return true, nil
			}
			switch i.State.Name {
			case types.InstanceStateNameStopped:
				return false, nil
			case types.InstanceStateNameShuttingDown, types.InstanceStateNameTerminated:
				reason := "no reason given"
				if i.StateReason != nil {
					reason = aws.ToString(i.StateReason.Message)
				}
				return false, fmt.Errorf("build instance %s is %s (%s) instead of stopped", aws.ToString(i.InstanceId), i.State.Name, reason)
			}
			return true, nil
		}
	}
	return true, nil
}
