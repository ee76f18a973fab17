package promote

import (
	"context"
	"errors"

	"github.com/bakehq/bake/internal/ledger"
)

// PinChange is the rule for pins, applied to every outcome bake records,
// whoever records it (the promote or rollback itself, the automatic
// rollback, recovery of an interrupted one): a rollback, manual or
// automatic, that succeeded pins the environment to the release it
// deployed, so that `promote --from` never undoes it; a promote that
// succeeded ends a pin in force (a pinned environment refuses `promote
// --from`, so only a promote of an explicit version gets there). It returns
// the pin record to write with the outcome, or nil when nothing changes.
func PinChange(dep ledger.Deployment, inForce *ledger.Pin, by string) *ledger.Pin {
	if dep.Outcome != ledger.OutcomeSucceeded {
		return nil
	}
	pinned := inForce != nil && inForce.Pinned
	if ledger.IsRollback(dep.Kind) {
		if pinned && inForce.Version == dep.Version {
			return nil
		}
		reason := "rollback from " + dep.Previous
		if dep.Kind == ledger.KindAutoRollback {
			// Why it rolled back (a canary analysis's values, a health
			// watch's failure) is what a person asking about the pin wants.
			reason = "automatic rollback from " + dep.Previous
			if dep.Reason != "" {
				reason += ": " + dep.Reason
			}
		}
		return &ledger.Pin{Image: dep.Image, Env: dep.Env, Version: dep.Version, Pinned: true, Reason: reason, By: by}
	}
	if !pinned {
		return nil
	}
	return &ledger.Pin{Image: dep.Image, Env: dep.Env, Version: inForce.Version, Reason: "promote of " + dep.Image + "@" + dep.Version, By: by}
}

// pinChange reads the pin in force and applies PinChange to dep.
func (d *Engine) pinChange(ctx context.Context, dep ledger.Deployment) (*ledger.Pin, error) {
	var inForce *ledger.Pin
	// An outcome is recorded even when the operation was interrupted.
	p, err := d.Store.Pin(context.WithoutCancel(ctx), dep.Image, dep.Env)
	switch {
	case err == nil:
		inForce = &p
	case !errors.Is(err, ledger.ErrNotFound):
		return nil, err
	}
	return PinChange(dep, inForce, d.User), nil
}

// unpinned is the version a pin change released, "" if it pinned.
func unpinned(change *ledger.Pin) string {
	if change == nil || change.Pinned {
		return ""
	}
	return change.Version
}
