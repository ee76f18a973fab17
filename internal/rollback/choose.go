// Package rollback chooses the release an environment goes back to, from the
// ledger alone: nothing is rebuilt.
package rollback

import (
	"context"
	"errors"
	"fmt"

	"github.com/bakehq/bake/internal/ledger"
)

// Sentinel errors the CLI maps to exit codes.
var (
	ErrNothingToRollBack = errors.New("nothing to roll back to") // exit 3
	ErrNeverRan          = errors.New("never ran there")         // exit 2
)

// Choice is the release to go back to and what runs now.
type Choice struct {
	Current ledger.Deployment
	Target  ledger.Release
}

// Choose picks the release env goes back to. With to == "" it is the newest
// release that succeeded in env before the current one, skipping releases
// that a rollback has already moved away from; otherwise it is version to,
// which must have succeeded in env before.
func Choose(ctx context.Context, store ledger.Store, image, env, to string) (Choice, error) {
	current, err := store.Current(ctx, image, env)
	if err != nil {
		if errors.Is(err, ledger.ErrNotFound) {
			return Choice{}, fmt.Errorf("%w: %q runs no release of %s yet", ErrNothingToRollBack, env, image)
		}
		return Choice{}, err
	}
	deps, err := store.Deployments(ctx, image, env)
	if err != nil {
		return Choice{}, err
	}
	version, err := pick(deps, current, to)
	if err != nil {
		return Choice{}, fmt.Errorf("rolling back %s in %q: %w", image, env, err)
	}
	rel, err := store.Release(ctx, image, version)
	if err != nil {
		return Choice{}, fmt.Errorf("rolling back %s in %q to %s: %w", image, env, version, err)
	}
	return Choice{Current: current, Target: rel}, nil
}

// pick works on deployments listed newest first.
func pick(deps []ledger.Deployment, current ledger.Deployment, to string) (string, error) {
	if to != "" {
		for _, d := range deps {
			if d.Version == to && d.Outcome == ledger.OutcomeSucceeded {
				return to, nil
			}
		}
		return "", fmt.Errorf("%w: %s never ran there successfully", ErrNeverRan, to)
	}
	abandoned := map[string]bool{current.Version: true}
	for _, d := range deps {
		if ledger.IsRollback(d.Kind) && d.Outcome == ledger.OutcomeSucceeded && d.Previous != "" {
			abandoned[d.Previous] = true
		}
	}
	for _, d := range deps {
		if d.Outcome == ledger.OutcomeSucceeded && !abandoned[d.Version] {
			return d.Version, nil
		}
	}
	return "", fmt.Errorf("%w: no earlier release succeeded there", ErrNothingToRollBack)
}
