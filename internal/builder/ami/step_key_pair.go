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

// stepKeyPair creates a key pair of the build's own, so no one else's key
// is on the build instance. Nothing logs in: its private half is dropped.
type stepKeyPair struct {
	b         *bake
	attempted bool
	name      string
}

func (st *stepKeyPair) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	b := st.b
	st.attempted = true
	cctx, cancel := createContext(ctx)
	defer cancel()
	out, err := b.ec2.CreateKeyPair(cctx, &ec2.CreateKeyPairInput{
		KeyName:           aws.String(b.name),
		TagSpecifications: tagSpec(types.ResourceTypeKeyPair, b.tags(KindBuild, nil)),
	})
	if err != nil {
		st.attempted = mayHaveMade(err)
		return steps.Halt(state, fmt.Errorf("creating key pair %s: %w", b.name, err))
	}
	st.name, b.keyName = aws.ToString(out.KeyName), aws.ToString(out.KeyName)
	b.say("created key pair %s", st.name)
	return multistep.ActionContinue
}

func (st *stepKeyPair) Cleanup(multistep.StateBag) {
	if !st.attempted {
		return
	}
	b := st.b
	name := st.name
	if name == "" {
		// The call may have made it without answering: deleting a name that
		// does not exist succeeds.
		name = b.name
	}
	ctx, cancel := cleanupContext(cleanupTimeout)
	defer cancel()
	if _, err := b.ec2.DeleteKeyPair(ctx, &ec2.DeleteKeyPairInput{KeyName: aws.String(name)}); err != nil && apiCode(err) != "InvalidKeyPair.NotFound" {
		b.leftover(fmt.Sprintf("key pair %s in %s", name, b.region), err)
		return
	}
	if st.name != "" {
		b.say("deleted key pair %s", name)
	}
}
