package promote

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bakehq/bake/internal/ledger"
)

// Sentinel errors of a rollback.
var (
	// ErrNothingToRollBack: no earlier good release is left (exit 3).
	ErrNothingToRollBack error = nothingToRollBack{}
	// ErrNeverRan: `rollback --to` names a version that never succeeded in
	// the environment (exit 2).
	ErrNeverRan = errors.New("never ran there")
)

// neverRan is ErrNeverRan for one release and environment, said once.
type neverRan struct{ image, version, env string }

func (e neverRan) Error() string {
	return fmt.Sprintf("%s@%s never ran in %q successfully, so it is no rollback target: `bake history %s --env %s` lists what did",
		e.image, e.version, e.env, e.image, e.env)
}

func (neverRan) Unwrap() error { return ErrNeverRan }

type nothingToRollBack struct{}

func (nothingToRollBack) Error() string        { return "nothing to roll back to" }
func (nothingToRollBack) Is(target error) bool { return target == ErrRefused }

// RollbackChoice is the release a rollback goes back to, what runs now,
// and the releases it went past because they are revoked.
type RollbackChoice struct {
	Current ledger.Deployment `json:"current"`
	Target  ledger.Release    `json:"target"`
	Skipped []string          `json:"skipped,omitempty"` // "1.1.0: revoked by ... : reason"
}

// ChooseRollback picks the release image in env goes back to: version to,
// which must have succeeded there and not be revoked, or with to == ""
// the previous good release (ledger.RollbackOrder) that is not revoked.
func ChooseRollback(ctx context.Context, store ledger.Store, image, env, to string) (RollbackChoice, error) {
	if to != "" {
		if _, err := store.Release(ctx, image, to); err != nil {
			return RollbackChoice{}, ledger.NotRecorded(image, to, err)
		}
	}
	current, err := store.Current(ctx, image, env)
	if err != nil {
		if errors.Is(err, ledger.ErrNotFound) {
			return RollbackChoice{}, fmt.Errorf("%w: %q runs no release of %s yet", ErrNothingToRollBack, env, image)
		}
		return RollbackChoice{}, err
	}
	choice := RollbackChoice{Current: current}
	version := to
	if to != "" {
		ran, err := succeededIn(ctx, store, image, env, to)
		if err != nil {
			return RollbackChoice{}, err
		}
		if !ran {
			return RollbackChoice{}, neverRan{image: image, version: to, env: env}
		}
		if why, err := revoked(ctx, store, image, to); err != nil {
			return RollbackChoice{}, err
		} else if why != "" {
			return RollbackChoice{}, fmt.Errorf("%w: %s@%s %s: a revoked release is never a rollback target", ErrRefused, image, to, why)
		}
	} else {
		// History is read newest first only as far back as the release chosen.
		err := ledger.WalkRollbackOrder(ctx, store, image, env, func(d ledger.Deployment) (bool, error) {
			why, err := revoked(ctx, store, image, d.Version)
			if err != nil {
				return false, err
			}
			if why == "" {
				version = d.Version
				return false, nil
			}
			choice.Skipped = append(choice.Skipped, d.Version+": "+why)
			return true, nil
		})
		if err != nil {
			return RollbackChoice{}, err
		}
		if version == "" {
			msg := "no earlier good release in %q"
			if len(choice.Skipped) > 0 {
				msg += " that is not revoked (" + strings.Join(choice.Skipped, "; ") + ")"
			}
			return RollbackChoice{}, fmt.Errorf("%w: "+msg, ErrNothingToRollBack, env)
		}
	}
	if choice.Target, err = store.Release(ctx, image, version); err != nil {
		return RollbackChoice{}, fmt.Errorf("reading %s@%s: %w", image, version, err)
	}
	if why, err := amisRemoved(ctx, store, choice.Target); err != nil {
		return RollbackChoice{}, err
	} else if why != "" {
		return RollbackChoice{}, fmt.Errorf("%w: %s", ErrRefused, why)
	}
	return choice, nil
}

// succeededIn reports whether image@version ever succeeded in env, reading
// history newest first until it finds it.
func succeededIn(ctx context.Context, store ledger.Store, image, env, version string) (bool, error) {
	found := false
	err := ledger.WalkDeployments(ctx, store, image, env, func(d ledger.Deployment) (bool, error) {
		found = d.Version == version && d.Outcome == ledger.OutcomeSucceeded
		return !found, nil
	})
	return found, err
}

// revoked says why image@version may not run ("revoked by ... at ...:
// reason"), or "" when it is not revoked.
func revoked(ctx context.Context, store ledger.Store, image, version string) (string, error) {
	rev, err := store.Revocation(ctx, image, version)
	switch {
	case errors.Is(err, ledger.ErrNotFound):
		return "", nil
	case err != nil:
		return "", err
	}
	return fmt.Sprintf("was revoked by %s at %s: %s", rev.By, rev.At.Local().Format(time.DateTime), rev.Reason), nil
}
