package ami

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/hashicorp/packer-plugin-sdk/multistep"
	"golang.org/x/sync/errgroup"

	"github.com/bakehq/bake/internal/steps"
)

// stepCopyImage copies the AMI to the recipe's other regions, all at once,
// tags each copy and its snapshots like the AMI and waits until each is
// available. The first copy that fails stops the others; the cleanup then
// removes every copy made, as it does when the bake does not finish.
type stepCopyImage struct {
	b         *bake
	mu        sync.Mutex
	attempted []string          // regions a copy was asked for
	copies    map[string]string // region -> AMI id
	discarded bool
}

func (st *stepCopyImage) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	b := st.b
	st.copies = map[string]string{}
	b.copies = map[string]string{}
	if len(b.recipe.Regions) == 0 {
		b.say("no other region to copy AMI %s to", b.imageID)
		return multistep.ActionContinue
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, region := range b.recipe.Regions {
		g.Go(func() error { return st.copyTo(gctx, region) })
	}
	if err := g.Wait(); err != nil {
		return steps.Halt(state, err)
	}
	parts := make([]string, 0, len(st.copies))
	for region, id := range st.copies {
		b.copies[region] = id
		parts = append(parts, region+" "+id)
	}
	sort.Strings(parts)
	b.say("copied AMI %s to %s", b.imageID, strings.Join(parts, ", "))
	return multistep.ActionContinue
}

func (st *stepCopyImage) copyTo(ctx context.Context, region string) error {
	b := st.b
	api := b.ec2In(region)
	cctx, cancel := createContext(ctx)
	defer cancel()
	out, err := api.CopyImage(cctx, &ec2.CopyImageInput{
		SourceImageId:     aws.String(b.imageID),
		SourceRegion:      aws.String(b.region),
		Name:              aws.String(b.amiName),
		Description:       aws.String(fmt.Sprintf("bake: %s/%s@%s, a copy of %s in %s", b.spec.Project, b.spec.Image.Name, b.spec.Version, b.imageID, b.region)),
		ClientToken:       aws.String(clientToken(b.op, b.spec.Image.Name, "copy-"+region)),
		TagSpecifications: tagSpec(types.ResourceTypeImage, b.imageTags()),
	})
	if err == nil || mayHaveMade(err) {
		st.mu.Lock()
		st.attempted = append(st.attempted, region)
		if err == nil {
			st.copies[region] = aws.ToString(out.ImageId)
		}
		st.mu.Unlock()
	}
	if err != nil {
		return fmt.Errorf("copying AMI %s to %s: %w", b.imageID, region, err)
	}
	id := aws.ToString(out.ImageId)
	// Not every EC2 API (moto's) tags a copy from the copy call.
	if _, err := api.CreateTags(cctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: b.imageTags()}); err != nil {
		return fmt.Errorf("tagging AMI %s in %s: %w", id, region, err)
	}
	return b.waitAvailable(ctx, api, region, id)
}

func (st *stepCopyImage) Cleanup(state multistep.StateBag) {
	if halted(state) {
		st.discard()
	}
}

// discard removes every copy made (and their snapshots), once.
func (st *stepCopyImage) discard() {
	if st.discarded {
		return
	}
	st.discarded = true
	b := st.b
	ctx, cancel := cleanupContext(cleanupTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, region := range st.attempted {
		wg.Go(func() {
			api := b.ec2In(region)
			id := st.copies[region]
			if id == "" {
				// The call may have made it without answering.
				found, err := b.findImage(ctx, api)
				if err != nil {
					b.leftover(fmt.Sprintf("the copy of AMI %s in %s (if it was made)", b.imageID, region), err)
					return
				}
				if id = found; id == "" {
					return
				}
			}
			if err := b.discardImage(ctx, api, region, id); err != nil {
				b.leftover(fmt.Sprintf("AMI %s", id), err)
			}
		})
	}
	wg.Wait()
}
