// Package steps runs a long operation as packer-plugin-sdk multistep steps,
// so every step's cleanup runs in reverse order on success, error and
// cancellation alike.
package steps

import (
	"context"
	"errors"

	"github.com/hashicorp/packer-plugin-sdk/multistep"
)

const errorKey = "error"

// Run runs the steps in order and returns the error that halted them, or
// the context's error if it was cancelled.
func Run(ctx context.Context, list ...multistep.Step) error {
	state := new(multistep.BasicStateBag)
	runner := &multistep.BasicRunner{Steps: list}
	runner.Run(ctx, state)
	if v, ok := state.GetOk(errorKey); ok {
		if err, ok := v.(error); ok {
			return err
		}
	}
	if _, ok := state.GetOk(multistep.StateCancelled); ok {
		if err := ctx.Err(); err != nil {
			return err
		}
		return errors.New("cancelled")
	}
	return nil
}

// Halt records err as the reason the run stops.
func Halt(state multistep.StateBag, err error) multistep.StepAction {
	state.Put(errorKey, err)
	return multistep.ActionHalt
}

// Func adapts a function without cleanup into a step.
type Func func(ctx context.Context) error

// Run implements multistep.Step.
func (f Func) Run(ctx context.Context, state multistep.StateBag) multistep.StepAction {
	if err := f(ctx); err != nil {
		return Halt(state, err)
	}
	return multistep.ActionContinue
}

// Cleanup implements multistep.Step.
func (Func) Cleanup(multistep.StateBag) {}
