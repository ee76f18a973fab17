package ecs

import (
	"context"
	"slices"

	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/steps"
)

// stepListener puts the release's target group into the listener's
// forward action at weight 0, so the load balancer checks its targets'
// health, unless it is there; switchTo later gives it every request.
// Cleanup puts the forward action back as it was before the deployment,
// whatever of the two changed it.
type stepListener struct {
	t       *Target
	fw      *Forward
	tg      *stepTargetGroup
	before  []elbtypes.Action
	changed bool
}

func (st *stepListener) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	st.before = slices.Clone(st.fw.Actions)
	ws := st.fw.Weights()
	if _, in := weightOf(ws, st.tg.arn); in {
		return multistep.ActionContinue
	}
	st.changed = true
	if err := st.t.setWeights(ctx, st.fw, joined(ws, st.tg.arn)); err != nil {
		return steps.Halt(state, err)
	}
	st.t.step(progress.Started, "target group %s joined the listener's forward action at weight 0", tgName(st.tg.arn))
	return multistep.ActionContinue
}

// switchTo gives the release's target group weight 100 and every other
// one 0: one ModifyListener (or ModifyRule), none if it has them already.
func (st *stepListener) switchTo(ctx context.Context, service string) error {
	ws := st.fw.Weights()
	want := switched(ws, st.tg.arn)
	if slices.Equal(ws, want) {
		return nil
	}
	st.changed = true
	if err := st.t.setWeights(ctx, st.fw, want); err != nil {
		return err
	}
	st.t.step(progress.Switched, "switched: the listener forwards to %s (%s): %s", tgName(st.tg.arn), service, describeWeights(want))
	return nil
}

func (st *stepListener) Cleanup(state multistep.StateBag) {
	if !st.changed || !halted(state) {
		return
	}
	ctx, cancel := cleanupContext()
	defer cancel()
	if err := st.t.write(ctx, st.fw, st.before); err != nil {
		st.t.say("warning: putting the listener's forward action back: %v", err)
		return
	}
	st.fw.Actions = st.before
	st.t.step(progress.Switched, "put the listener's forward action back as it was")
}
