package promote

import (
	"context"

	"github.com/bakehq/bake/internal/ledger"
)

// RollbackTargets lists the versions `rollback --to` accepts for image in
// env, each with its newest successful deployment there, newest first: the
// versions that succeeded there (ChooseRollback's rule), without the one the
// environment runs now, which a rollback would not change, and without
// revoked ones, which it refuses. It reads all of the environment's history
// of image, so it is for listing choices, not for choosing.
func RollbackTargets(ctx context.Context, store ledger.Store, image, env string) ([]ledger.Deployment, error) {
	var out []ledger.Deployment
	current := ""
	seen := map[string]bool{}
	err := ledger.WalkDeployments(ctx, store, image, env, func(d ledger.Deployment) (bool, error) {
		if d.Outcome != ledger.OutcomeSucceeded || seen[d.Version] {
			return true, nil
		}
		seen[d.Version] = true
		if current == "" {
			current = d.Version
			return true, nil
		}
		why, err := revoked(ctx, store, image, d.Version)
		if err != nil || why != "" {
			return err == nil, err
		}
		out = append(out, d)
		return true, nil
	})
	return out, err
}
