package ami

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/steps"
)

// stepRunInstance launches the build instance from the source AMI. Its user
// data runs the scripts and powers it off; an instance-initiated shutdown
// stops it (never terminates it), so its root volume can be imaged.
type stepRunInstance struct {
	b         *bake
	attempted bool
	id        string
}

func (st *stepRunInstance) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	b, rec := st.b, st.b.recipe
	in := &ec2.RunInstancesInput{
		ImageId:                           b.source.ImageId,
		InstanceType:                      types.InstanceType(rec.InstanceType),
		MinCount:                          aws.Int32(1),
		MaxCount:                          aws.Int32(1),
		KeyName:                           aws.String(b.keyName),
		SecurityGroupIds:                  []string{b.groupID},
		UserData:                          aws.String(base64.StdEncoding.EncodeToString([]byte(b.job.userData))),
		InstanceInitiatedShutdownBehavior: types.ShutdownBehaviorStop,
		MetadataOptions:                   &types.InstanceMetadataOptionsRequest{HttpTokens: types.HttpTokensStateRequired},
		// The same token on the SDK's retries of this call: one instance, never two.
		ClientToken: aws.String(clientToken(b.op, b.spec.Image.Name, "run")),
		TagSpecifications: []types.TagSpecification{
			{ResourceType: types.ResourceTypeInstance, Tags: b.tags(KindBuild, map[string]string{
				"Name": "bake build " + b.spec.Project + "/" + b.spec.Image.Name + "@" + b.spec.Version,
			})},
			{ResourceType: types.ResourceTypeVolume, Tags: b.tags(KindBuild, nil)},
		},
	}
	if rec.Subnet != "" {
		in.SubnetId = aws.String(rec.Subnet)
	}
	if rec.InstanceProfile != "" {
		in.IamInstanceProfile = &types.IamInstanceProfileSpecification{Name: aws.String(rec.InstanceProfile)}
	}
	if root := rootVolume(b.source, rec.VolumeSize); root != nil {
		in.BlockDeviceMappings = []types.BlockDeviceMapping{*root}
	}
	st.attempted = true
	cctx, cancel := createContext(ctx)
	defer cancel()
	out, err := b.ec2.RunInstances(cctx, in)
	if err == nil && len(out.Instances) == 0 {
		err = fmt.Errorf("EC2 reported no instance")
	}
	if err != nil {
		st.attempted = mayHaveMade(err)
		return steps.Halt(state, fmt.Errorf("launching the build instance (%s from %s) in %s: %w",
			rec.InstanceType, aws.ToString(b.source.ImageId), b.region, err))
	}
	st.id, b.instanceID = aws.ToString(out.Instances[0].InstanceId), aws.ToString(out.Instances[0].InstanceId)
	b.say("launched build instance %s (%s) to run %d script(s) and power itself off", st.id, rec.InstanceType, len(rec.Scripts))
	return multistep.ActionContinue
}

// Cleanup terminates the build instance and waits until it is gone, so the
// key pair and security group can go too.
func (st *stepRunInstance) Cleanup(multistep.StateBag) {
	if !st.attempted {
		return
	}
	b := st.b
	ctx, cancel := cleanupContext(terminateTimeout)
	defer cancel()
	ids := []string{st.id}
	if st.id == "" {
		// The call may have made it without answering: find it by its tags.
		found, err := st.find(ctx)
		if err != nil {
			b.leftover(fmt.Sprintf("the build instance in %s (if it was launched)", b.region), err)
			return
		}
		if ids = found; len(ids) == 0 {
			return
		}
	}
	if _, err := b.ec2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids}); err != nil {
		if apiCode(err) != "InvalidInstanceID.NotFound" {
			b.leftover(fmt.Sprintf("build instance %s in %s", strings.Join(ids, ", "), b.region), err)
		}
		return
	}
	err := ec2.NewInstanceTerminatedWaiter(b.ec2, func(o *ec2.InstanceTerminatedWaiterOptions) {
		o.MinDelay, o.MaxDelay = b.job.builder.pollDelays(o.MinDelay, o.MaxDelay)
	}).Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids}, terminateTimeout)
	if err != nil {
		b.leftover(fmt.Sprintf("build instance %s in %s (terminating, not yet gone)", strings.Join(ids, ", "), b.region), err)
		return
	}
	b.say("terminated build instance %s", strings.Join(ids, ", "))
}

func (st *stepRunInstance) find(ctx context.Context) ([]string, error) {
	b := st.b
	out, err := b.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []types.Filter{
		{Name: aws.String("tag:" + engine.LabelOperation), Values: []string{b.op}},
		{Name: aws.String("tag:" + engine.LabelKind), Values: []string{KindBuild}},
		{Name: aws.String("tag:" + engine.LabelImage), Values: []string{b.spec.Image.Name}},
		{Name: aws.String("instance-state-name"), Values: []string{"pending", "running", "stopping", "stopped"}},
	}})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, r := range out.Reservations {
		for _, i := range r.Instances {
			ids = append(ids, aws.ToString(i.InstanceId))
		}
	}
	return ids, nil
}

// clientToken is an idempotency token (at most 64 characters) for one create call of a bake.
func clientToken(op, image, call string) string {
	t := "bake-" + op + "-" + call + "-" + image
	if len(t) > 64 {
		t = t[:64]
	}
	return t
}

// rootVolume is the source AMI's root volume mapping, resized to size GiB
// (when not 0) and deleted with the instance whatever the AMI says, so a
// terminated build instance leaves no volume behind. It keeps the AMI's
// snapshot, type and size, which some EC2 APIs (moto's) require.
func rootVolume(source types.Image, size int32) *types.BlockDeviceMapping {
	root := aws.ToString(source.RootDeviceName)
	if root == "" || source.RootDeviceType == types.DeviceTypeInstanceStore {
		return nil
	}
	ebs := &types.EbsBlockDevice{DeleteOnTermination: aws.Bool(true)}
	for _, m := range source.BlockDeviceMappings {
		if aws.ToString(m.DeviceName) == root && m.Ebs != nil {
			ebs.SnapshotId, ebs.VolumeSize, ebs.VolumeType = m.Ebs.SnapshotId, m.Ebs.VolumeSize, m.Ebs.VolumeType
		}
	}
	if size > 0 {
		ebs.VolumeSize = aws.Int32(size)
	}
	if ebs.SnapshotId == nil && ebs.VolumeSize == nil {
		return nil // nothing known of the root volume: leave it as the AMI has it
	}
	return &types.BlockDeviceMapping{DeviceName: aws.String(root), Ebs: ebs}
}
