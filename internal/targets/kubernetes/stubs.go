package kubernetes

import (
	"context"
	"errors"

	"github.com/bakehq/bake/internal/targets"
)

// errNotYet is the answer of what the kubernetes target does not do yet.
var errNotYet = errors.New("kubernetes targets do not support this yet")

// Plan is not written yet.
func (t *Target) Plan(context.Context, targets.Request, string) (targets.Plan, error) {
	return targets.Plan{}, errNotYet
}

// Recover is not written yet.
func (t *Target) Recover(context.Context, targets.Recovery) (targets.Recovered, error) {
	return targets.Recovered{}, targets.ErrNoRecovery
}
