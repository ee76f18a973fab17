package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/cenkalti/backoff/v5"
	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/steps"
)

// terminateTimeout bounds a cleanup: terminating the sandbox instance and
// waiting until it is terminated.
const terminateTimeout = 10 * time.Minute

// liveStates are the states of an instance that still exists (and may cost).
var liveStates = []string{"pending", "running", "stopping", "stopped", "shutting-down"}

// stepLaunchInstance launches the sandbox instance from the AMI; Cleanup
// terminates it, and any other instance this validation's tags name, and
// waits until they are terminated.
type stepLaunchInstance struct {
	run  *ec2Run
	tags map[string]string
}

func (st *stepLaunchInstance) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	r := st.run
	s, subj := r.sandbox, r.subject
	instanceType := subj.Image.Sandbox.InstanceType
	if instanceType == "" {
		instanceType = config.DefaultInstanceType
	}
	st.tags = r.tags()
	in := &ec2.RunInstancesInput{
		ImageId:      aws.String(r.ami),
		InstanceType: ec2types.InstanceType(instanceType),
		MinCount:     aws.Int32(1),
		MaxCount:     aws.Int32(1),
		// The SDK retries a call whose answer was lost: the token makes
		// the retry return the first instance instead of a second one.
		ClientToken: aws.String(clientToken(s.Operation)),
		// A shutdown from inside ends the instance instead of leaving it stopped.
		InstanceInitiatedShutdownBehavior: ec2types.ShutdownBehaviorTerminate,
		// IMDSv2 only: a request forged through the image under test (an
		// SSRF) cannot read the instance role's credentials.
		MetadataOptions: &ec2types.InstanceMetadataOptionsRequest{HttpTokens: ec2types.HttpTokensStateRequired,
			HttpEndpoint: ec2types.InstanceMetadataEndpointStateEnabled},
		SecurityGroupIds: []string{r.groupID},
		TagSpecifications: []ec2types.TagSpecification{
			{ResourceType: ec2types.ResourceTypeInstance, Tags: awsx.EC2Tags(st.tags)},
			{ResourceType: ec2types.ResourceTypeVolume, Tags: awsx.EC2Tags(st.tags)},
		},
	}
	if p := subj.Image.Sandbox.InstanceProfile; p != "" {
		// What lets the SSM agent on the instance register with SSM.
		in.IamInstanceProfile = &ec2types.IamInstanceProfileSpecification{Name: aws.String(p)}
	}
	where := "the default subnet"
	if subj.Image.Sandbox.Subnet != "" {
		in.SubnetId = aws.String(subj.Image.Sandbox.Subnet)
		where = "subnet " + subj.Image.Sandbox.Subnet
	}
	r.say("launching a sandbox instance (%s) from %s in %s", instanceType, r.ami, where)
	out, err := s.EC2.RunInstances(ctx, in)
	if err != nil {
		return steps.Halt(state, fmt.Errorf("launching a sandbox instance (%s) from %s in %s: %w", instanceType, r.ami, where, err))
	}
	if len(out.Instances) == 0 || out.Instances[0].InstanceId == nil {
		return steps.Halt(state, fmt.Errorf("launching a sandbox instance from %s: EC2 answered with no instance", r.ami))
	}
	r.instanceID = aws.ToString(out.Instances[0].InstanceId)
	r.say("launched sandbox instance %s; waiting until it runs and passes its status checks", r.instanceID)
	return multistep.ActionContinue
}

// tags are the tags of everything this validation creates.
func (r *ec2Run) tags() map[string]string {
	s, subj := r.sandbox, r.subject
	return engine.Labels(s.Operation, engine.KindSandbox, map[string]string{
		"Name":              r.groupName(),
		engine.LabelProject: s.Project, engine.LabelImage: subj.Image.Name, engine.LabelVersion: subj.Version,
	})
}

// waitForStatusOK waits until the instance runs and passes both EC2
// status checks, within the boot timeout.
func (r *ec2Run) waitForStatusOK(ctx context.Context) error {
	s, id := r.sandbox, r.instanceID
	timeout := s.BootTimeout
	if timeout <= 0 {
		timeout = DefaultBootTimeout
	}
	fail := func(what string, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, context.DeadlineExceeded) || isWaiterTimeout(err) {
			err = fmt.Errorf("not done within %s", timeout)
		}
		return fmt.Errorf("sandbox instance %s %s: %w%s", id, what, err, r.stateReason(ctx))
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	running := ec2.NewInstanceRunningWaiter(s.EC2, func(o *ec2.InstanceRunningWaiterOptions) {
		o.MinDelay, o.MaxDelay = 2*time.Second, 15*time.Second
	})
	if err := running.Wait(wctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, timeout); err != nil {
		return fail("did not reach running", err)
	}
	statusOK := ec2.NewInstanceStatusOkWaiter(s.EC2, func(o *ec2.InstanceStatusOkWaiterOptions) {
		o.MinDelay, o.MaxDelay = 5*time.Second, 15*time.Second
	})
	if err := statusOK.Wait(wctx, &ec2.DescribeInstanceStatusInput{InstanceIds: []string{id}}, timeout); err != nil {
		return fail("did not pass its status checks", err)
	}
	r.say("sandbox instance %s is running, status ok", id)
	return nil
}

// stateReason describes why the instance is in the state it is, for an
// error about it; "" if EC2 does not say.
func (r *ec2Run) stateReason(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	out, err := r.sandbox.EC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{r.instanceID}})
	if err != nil || len(out.Reservations) == 0 || len(out.Reservations[0].Instances) == 0 {
		return ""
	}
	inst := out.Reservations[0].Instances[0]
	state := ""
	if inst.State != nil {
		state = string(inst.State.Name)
	}
	if inst.StateReason != nil && aws.ToString(inst.StateReason.Message) != "" {
		return fmt.Sprintf(" (state %s: %s)", state, aws.ToString(inst.StateReason.Message))
	}
	return fmt.Sprintf(" (state %s)", state)
}

// Cleanup terminates the instance on success, failure, timeout and
// cancellation alike, on a context of its own. It also terminates any
// instance carrying this validation's tags, which catches one launched by
// a RunInstances call whose answer never arrived.
func (st *stepLaunchInstance) Cleanup(multistep.StateBag) {
	r := st.run
	if st.tags == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), terminateTimeout)
	defer cancel()
	ids, err := st.tagged(ctx)
	if r.instanceID != "" && !slices.Contains(ids, r.instanceID) {
		ids = append(ids, r.instanceID)
	}
	if err != nil && len(ids) == 0 {
		r.cleanupFailed(fmt.Errorf("looking for sandbox instances of operation %s: %w; run `bake sweep --aws --operation %s`",
			r.sandbox.Operation, err, r.sandbox.Operation))
		return
	}
	if len(ids) == 0 {
		return
	}
	if err := terminate(ctx, r.sandbox.EC2, ids); err != nil {
		r.cleanupFailed(fmt.Errorf("terminating sandbox instance %s: %w; run `bake sweep --aws --operation %s`",
			strings.Join(ids, ", "), err, r.sandbox.Operation))
		return
	}
	r.say("terminated sandbox instance %s", strings.Join(ids, ", "))
}

func (r *ec2Run) cleanupFailed(err error) {
	r.cleanupErr = errors.Join(r.cleanupErr, err)
	r.say("warning: %v", err)
}

// tagged lists the live instances carrying this validation's tags.
func (st *stepLaunchInstance) tagged(ctx context.Context) ([]string, error) {
	filters := []ec2types.Filter{{Name: aws.String("instance-state-name"), Values: liveStates}}
	for _, k := range []string{engine.LabelOperation, engine.LabelKind, engine.LabelProject, engine.LabelImage, engine.LabelVersion} {
		filters = append(filters, ec2types.Filter{Name: aws.String("tag:" + k), Values: []string{st.tags[k]}})
	}
	var ids []string
	pages := ec2.NewDescribeInstancesPaginator(st.run.sandbox.EC2, &ec2.DescribeInstancesInput{Filters: filters})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return ids, err
		}
		for _, res := range page.Reservations {
			for _, inst := range res.Instances {
				ids = append(ids, aws.ToString(inst.InstanceId))
			}
		}
	}
	return ids, nil
}

// terminate terminates the instances, retrying while EC2 does not know an
// instance yet (it has just been launched) or fails, then waits until they
// are terminated.
func terminate(ctx context.Context, api EC2API, ids []string) error {
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		_, err := api.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids})
		return struct{}{}, err
	}, backoff.WithBackOff(backoff.NewExponentialBackOff()), backoff.WithMaxElapsedTime(2*time.Minute))
	if err != nil {
		return err
	}
	deadline, _ := ctx.Deadline()
	waiter := ec2.NewInstanceTerminatedWaiter(api, func(o *ec2.InstanceTerminatedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 2*time.Second, 15*time.Second
	})
	return waiter.Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids}, time.Until(deadline))
}

// clientToken is the idempotency token of one launch: unique per call,
// at most 64 ASCII characters.
func clientToken(operation string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "bake-" + operation + "-" + hex.EncodeToString(b[:])
}

// isWaiterTimeout reports whether err is an SDK waiter giving up at its
// maximum wait time.
func isWaiterTimeout(err error) bool {
	var api smithy.APIError
	return err != nil && !errors.As(err, &api) && strings.Contains(err.Error(), "exceeded max wait time")
}
