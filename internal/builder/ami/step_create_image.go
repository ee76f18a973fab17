package ami

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/bakehq/bake/internal/steps"
)

// stepCreateImage images the stopped build instance, tagged with what the
// ledger records of the release. The AMI is the bake's product: its
// cleanup removes it only when the bake did not finish.
type stepCreateImage struct {
	b         *bake
	attempted bool
	id        string
	discarded bool
}

func (st *stepCreateImage) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	b := st.b
	st.attempted = true
	cctx, cancel := createContext(ctx)
	defer cancel()
	out, err := b.ec2.CreateImage(cctx, &ec2.CreateImageInput{
		InstanceId: aws.String(b.instanceID),
		Name:       aws.String(b.amiName),
		Description: aws.String(fmt.Sprintf("bake: %s/%s@%s from %s", b.spec.Project, b.spec.Image.Name, b.spec.Version,
			aws.ToString(b.source.ImageId))),
		// Snapshots are tagged once the image is available: not every EC2
		// API (moto's) takes snapshot tags here.
		TagSpecifications: tagSpec(types.ResourceTypeImage, b.imageTags()),
	})
	if err != nil {
		st.attempted = mayHaveMade(err)
		return steps.Halt(state, fmt.Errorf("creating AMI %s from build instance %s: %w", b.amiName, b.instanceID, err))
	}
	st.id, b.imageID = aws.ToString(out.ImageId), aws.ToString(out.ImageId)
	b.say("creating AMI %s (%s) from build instance %s", st.id, b.amiName, b.instanceID)
	return multistep.ActionContinue
}

func (st *stepCreateImage) Cleanup(state multistep.StateBag) {
	if halted(state) {
		st.discard()
	}
}

// discard removes the AMI and its snapshots, once.
func (st *stepCreateImage) discard() {
	if !st.attempted || st.discarded {
		return
	}
	st.discarded = true
	b := st.b
	ctx, cancel := cleanupContext(cleanupTimeout)
	defer cancel()
	id := st.id
	if id == "" {
		found, err := b.findImage(ctx, b.ec2)
		if err != nil {
			b.leftover(fmt.Sprintf("AMI %s in %s (if it was made)", b.amiName, b.region), err)
			return
		}
		if id = found; id == "" {
			return
		}
	}
	if err := b.discardImage(ctx, b.ec2, b.region, id); err != nil {
		b.leftover(fmt.Sprintf("AMI %s", id), err)
	}
}
