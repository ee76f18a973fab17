package ami

import (
	"context"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/bakehq/bake/internal/steps"
)

// stepWaitAvailable waits for the AMI to become available and tags its
// snapshots. Removing the AMI is stepCreateImage's cleanup.
type stepWaitAvailable struct {
	b *bake
}

func (st *stepWaitAvailable) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	b := st.b
	if err := b.waitAvailable(ctx, b.ec2, b.region, b.imageID); err != nil {
		return steps.Halt(state, err)
	}
	b.say("AMI %s is available in %s", b.imageID, b.region)
	return multistep.ActionContinue
}

func (st *stepWaitAvailable) Cleanup(multistep.StateBag) {}
