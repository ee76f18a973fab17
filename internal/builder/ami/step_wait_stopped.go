package ami

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/bakehq/bake/internal/steps"
)

// reportPoll is how often the build instance's state, tags and console
// output are read: a failure is noticed within seconds.
const reportPoll = 5 * time.Second

// stepWaitStopped waits, at most the build timeout, for the build instance
// to run its scripts and power itself off, and fails as soon as the
// instance reports a failed script.
type stepWaitStopped struct {
	b *bake
}

func (st *stepWaitStopped) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	b := st.b
	start := time.Now()
	timeout := b.job.builder.buildTimeout()
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	every := reportPoll
	if b.job.builder.Poll > 0 {
		every = b.job.builder.Poll
	}
	consoleOK := true
	for {
		inst, err := st.describe(wctx)
		if err != nil && apiCode(err) != "InvalidInstanceID.NotFound" && wctx.Err() == nil {
			return steps.Halt(state, fmt.Errorf("waiting for build instance %s to power itself off: %w", b.instanceID, err))
		}
		if inst != nil {
			console := ""
			if consoleOK {
				out, err := b.ec2.GetConsoleOutput(wctx, &ec2.GetConsoleOutputInput{InstanceId: aws.String(b.instanceID)})
				switch {
				case err == nil:
					console = consoleText(aws.ToString(out.Output))
				case wctx.Err() == nil && apiCode(err) != "":
					consoleOK = false // no permission: the tag is the report
					b.say("cannot read the console output of build instance %s (%v): only its %s tag reports a failure", b.instanceID, err, TagProvision)
				}
			}
			done, err := st.decide(inst, readReport(inst.Tags, console), time.Since(start))
			if err != nil {
				return steps.Halt(state, err)
			}
			if done {
				return multistep.ActionContinue
			}
		}
		select {
		case <-wctx.Done():
			if ctx.Err() != nil {
				return steps.Halt(state, fmt.Errorf("waiting for build instance %s to power itself off: %w", b.instanceID, context.Cause(ctx)))
			}
			return steps.Halt(state, fmt.Errorf("build instance %s did not power itself off within %s and reported no failure: a script runs too long, or the instance cannot report; "+
				"its output is in the instance's console output (aws ec2 get-console-output --instance-id %s) until the instance is terminated",
				b.instanceID, timeout, b.instanceID))
		case <-time.After(every):
		}
	}
}

// decide says whether the build instance is done (stopped after its
// scripts) or failed, from its state and its report.
func (st *stepWaitStopped) decide(inst *types.Instance, rep provisionReport, took time.Duration) (bool, error) {
	b, id := st.b, st.b.instanceID
	if rep.Status == "failed" {
		return false, fmt.Errorf("build instance %s reported a failed provisioning script: %s%s", id, stepOrUnknown(rep.Step), tailText(rep.Tail))
	}
	if inst.State == nil {
		return false, nil
	}
	switch inst.State.Name {
	case types.InstanceStateNameStopped:
		if rep.Status == "ok" {
			b.say("build instance %s ran its scripts and powered itself off after %s", id, took.Round(time.Second))
		} else {
			b.say("build instance %s stopped after %s without reporting how its scripts went (no %s tag, no %q line in its console output yet); "+
				"its user data powers it off only after every script succeeded, so it is imaged", id, took.Round(time.Second), TagProvision, markerPrefix+" ok")
		}
		return true, nil
	case types.InstanceStateNameShuttingDown, types.InstanceStateNameTerminated:
		reason := "no reason given"
		if inst.StateReason != nil {
			reason = aws.ToString(inst.StateReason.Message)
		}
		return false, fmt.Errorf("build instance %s is %s (%s) instead of stopped", id, inst.State.Name, reason)
	}
	return false, nil
}

func (st *stepWaitStopped) describe(ctx context.Context) (*types.Instance, error) {
	out, err := st.b.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{st.b.instanceID}})
	if err != nil {
		return nil, err
	}
	for _, r := range out.Reservations {
		for i := range r.Instances {
			return &r.Instances[i], nil
		}
	}
	return nil, nil
}

func stepOrUnknown(step string) string {
	if step == "" || step == "-" {
		return "the step is not known yet"
	}
	return step
}

// tailText is a failed step's last lines, indented under the error.
func tailText(tail []string) string {
	if len(tail) == 0 {
		return " (its output is not in the console output yet: aws ec2 get-console-output shows it until the instance is terminated)"
	}
	return "; its last lines:\n  | " + strings.Join(tail, "\n  | ")
}

func (st *stepWaitStopped) Cleanup(multistep.StateBag) {}
