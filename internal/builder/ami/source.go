package ami

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/bakehq/bake/internal/builder"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ec2check"
	"github.com/bakehq/bake/internal/steps"
	"github.com/bakehq/bake/internal/yamlerr"
)

// ec2Request is what EC2 is asked before anything is created: the
// recipe's instance type, subnet and source, and the sandbox settings
// bake.yaml gives for the image, each at its place.
func ec2Request(file string, rec Recipe, img *config.Image) ec2check.Request {
	at := func(key string) yamlerr.Error {
		if e, ok := rec.At[key]; ok {
			return e
		}
		return yamlerr.Error{File: file, Key: key, Kind: builder.ErrTemplate}
	}
	req := ec2check.Request{
		InstanceTypes: []ec2check.Ref{{At: at("instance_type"), Value: rec.InstanceType}},
		Source:        &ec2check.Source{At: at("source"), AMI: rec.Source.AMI, Filters: rec.Source.Filters, Owners: rec.Source.Owners},
	}
	if rec.Subnet != "" {
		req.Subnets = append(req.Subnets, ec2check.Ref{At: at("subnet"), Value: rec.Subnet})
	}
	if e, ok := img.Sandbox.At["instance_type"]; ok && img.Sandbox.InstanceType != rec.InstanceType {
		req.InstanceTypes = append(req.InstanceTypes, ec2check.Ref{At: e, Value: img.Sandbox.InstanceType})
	}
	if e, ok := img.Sandbox.At["subnet"]; ok {
		req.Subnets = append(req.Subnets, ec2check.Ref{At: e, Value: img.Sandbox.Subnet})
	}
	return req
}

// stepSourceAMI checks that the source AMI Prepare resolved is still
// available: the job builds from exactly the image its inputs digest names.
type stepSourceAMI struct {
	b *bake
}

func (st *stepSourceAMI) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	b := st.b
	id := aws.ToString(b.source.ImageId)
	out, err := b.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}})
	if err == nil && (len(out.Images) == 0 || out.Images[0].State != types.ImageStateAvailable) {
		err = fmt.Errorf("it is no longer available")
	}
	if err != nil {
		return steps.Halt(state, fmt.Errorf("source AMI %s: %w", id, err))
	}
	b.source = out.Images[0]
	b.say("source %s (%s) in %s", id, aws.ToString(b.source.Name), b.region)
	return multistep.ActionContinue
}

func (st *stepSourceAMI) Cleanup(multistep.StateBag) {}
