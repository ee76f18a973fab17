package ecs

import (
	"context"
	"fmt"

	"github.com/hashicorp/packer-plugin-sdk/multistep"

	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/steps"
	"github.com/bakehq/bake/internal/targets"
)

// Deploy brings req's release into the listener's traffic, blue/green.
//
// A release deployed for the first time gets a task definition revision,
// a copy of the template target group, which joins the listener's forward
// action at weight 0, and a service of the target's size behind it; a
// release whose service was kept (a rollback) gets its service scaled back
// up and its target group back into the forward action, if they were not.
// Once every task runs and is healthy in the target group, within the
// target's health timeout, one change of the forward action gives the
// release's target group weight 100 and every other one 0 (they keep
// running until Retire). If anything fails or the context is cancelled,
// what the run created is deleted (a kept service is scaled back), the
// forward action is put back as it was, and the services that served were
// never touched.
func (t *Target) Deploy(ctx context.Context, req targets.Request) ([]targets.Replica, error) {
	name := serviceName(req)
	kept, err := t.service(ctx, req.Target.ECS.Cluster, name)
	if err != nil {
		return nil, err
	}
	if kept != nil {
		if err := usable(kept, req); err != nil {
			return nil, err
		}
	}
	fw, err := t.forward(ctx, req.Target.ECS.Listener)
	if err != nil {
		return nil, err
	}
	td := &stepTaskDefinition{t: t, req: req, kept: kept}
	tg := &stepTargetGroup{t: t, req: req, kept: kept}
	ls := &stepListener{t: t, fw: fw, tg: tg}
	svc := &stepService{t: t, req: req, name: name, kept: kept, td: td, tg: tg}
	var ready []targets.Replica
	err = steps.Run(ctx, td, tg, ls, svc,
		steps.Func(func(ctx context.Context) (err error) {
			ready, err = t.waitHealthy(ctx, req, name, tg.arn)
			return err
		}),
		steps.Func(func(ctx context.Context) error { return ls.switchTo(ctx, name) }),
	)
	if err != nil {
		return nil, err
	}
	return ready, nil
}

// usable refuses a kept service that cannot serve req's release.
func usable(s *Service, req targets.Request) error {
	if s.Status != "ACTIVE" {
		return fmt.Errorf("ECS service %q is %s: try again once it is gone", s.Name, s.Status)
	}
	if s.Digest != "" && s.Digest != req.Release.Digest {
		return fmt.Errorf("ECS service %q runs %s, not %s@%s (%s): delete it, or give the target another service prefix",
			s.Name, s.Digest, req.Image.Name, req.Release.Version, req.Release.Digest)
	}
	if s.TargetGroup == "" {
		return fmt.Errorf("ECS service %q has no target group: delete it and deploy again", s.Name)
	}
	return nil
}

// stepTaskDefinition registers the release's task definition revision,
// unless its service was kept. Cleanup deletes the revision it made.
type stepTaskDefinition struct {
	t    *Target
	req  targets.Request
	kept *Service
	arn  string // the revision the service runs
	made bool
}

func (st *stepTaskDefinition) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	if st.kept != nil {
		st.arn = st.kept.TaskDefinition
		return multistep.ActionContinue
	}
	arn, err := st.t.registerTaskDefinition(ctx, st.req)
	if err != nil {
		return steps.Halt(state, err)
	}
	st.arn, st.made = arn, true
	return multistep.ActionContinue
}

func (st *stepTaskDefinition) Cleanup(state multistep.StateBag) {
	if !st.made || !halted(state) {
		return
	}
	ctx, cancel := cleanupContext()
	defer cancel()
	if err := st.t.deleteTaskDefinition(ctx, st.arn); err != nil {
		st.t.say("warning: %v; delete it with `aws ecs deregister-task-definition --task-definition %s`", err, st.arn)
		return
	}
	st.t.step(progress.Retired, "deleted task definition %s", st.arn)
}

// stepTargetGroup copies the template target group for the release, unless
// its service was kept. Cleanup deletes the group it made.
type stepTargetGroup struct {
	t    *Target
	req  targets.Request
	kept *Service
	arn  string
	made bool
}

func (st *stepTargetGroup) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	if st.kept != nil {
		st.arn = st.kept.TargetGroup
		return multistep.ActionContinue
	}
	tmpl, err := st.t.template(ctx, st.req.Target.ECS)
	if err != nil {
		return steps.Halt(state, err)
	}
	arn, err := st.t.createTargetGroup(ctx, st.req, tmpl)
	if err != nil {
		return steps.Halt(state, err)
	}
	st.arn, st.made = arn, true
	return multistep.ActionContinue
}

func (st *stepTargetGroup) Cleanup(state multistep.StateBag) {
	if !st.made || !halted(state) {
		return
	}
	ctx, cancel := cleanupContext()
	defer cancel()
	if err := st.t.deleteTargetGroup(ctx, st.arn); err != nil {
		st.t.say("warning: %v; delete it with `aws elbv2 delete-target-group --target-group-arn %s`", err, st.arn)
		return
	}
	st.t.step(progress.Retired, "deleted target group %s", tgName(st.arn))
}

// halted reports whether the steps stopped before the end (an error, or
// the context cancelled).
func halted(state multistep.StateBag) bool {
	_, h := state.GetOk(multistep.StateHalted)
	_, c := state.GetOk(multistep.StateCancelled)
	return h || c
}
