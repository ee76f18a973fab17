package ami

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/bakehq/bake/internal/steps"
)

// stepShareImage gives the recipe's accounts launch permission on the AMI
// in every region. Nothing to undo: a removed AMI takes its permissions along.
type stepShareImage struct {
	b *bake
}

func (st *stepShareImage) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	b := st.b
	if len(b.recipe.ShareWith) == 0 {
		b.say("AMI %s is not shared with other accounts", b.imageID)
		return multistep.ActionContinue
	}
	perms := make([]types.LaunchPermission, len(b.recipe.ShareWith))
	for i, account := range b.recipe.ShareWith {
		perms[i] = types.LaunchPermission{UserId: aws.String(account)}
	}
	amis := map[string]string{b.region: b.imageID}
	for region, id := range b.copies {
		amis[region] = id
	}
	regions := make([]string, 0, len(amis))
	for region := range amis {
		regions = append(regions, region)
	}
	sort.Strings(regions)
	for _, region := range regions {
		_, err := b.ec2In(region).ModifyImageAttribute(ctx, &ec2.ModifyImageAttributeInput{
			ImageId:          aws.String(amis[region]),
			LaunchPermission: &types.LaunchPermissionModifications{Add: perms},
		})
		if err != nil {
			return steps.Halt(state, fmt.Errorf("sharing AMI %s in %s with %s: %w", amis[region], region, strings.Join(b.recipe.ShareWith, ", "), err))
		}
	}
	b.say("shared the AMI with %s in %s", strings.Join(b.recipe.ShareWith, ", "), strings.Join(regions, ", "))
	return multistep.ActionContinue
}

func (st *stepShareImage) Cleanup(multistep.StateBag) {}
