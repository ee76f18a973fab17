package promote

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
)

// Approve records a's approval of a release for an environment whose
// policy asks for one. It refuses a release that failed validation or is
// revoked (ErrRefused: no approval can let it in), and an environment
// without an approval gate (ErrUnknown: there is nothing to approve). An
// approval already recorded for that environment is not recorded again:
// Approve returns it, with already set.
func Approve(ctx context.Context, p *config.Project, store ledger.Store, rel ledger.Release, a ledger.Approval) (rec ledger.Approval, already bool, err error) {
	name := rel.Image + "@" + rel.Version
	env, _ := p.Environment(a.Env)
	switch {
	case env == nil:
		return ledger.Approval{}, false, fmt.Errorf("%w environment %q: bake.yaml defines %s", ErrUnknown, a.Env, envNames(p))
	case !env.Gates.Approval:
		return ledger.Approval{}, false, BadInput(fmt.Errorf("%q has no approval gate (gates: {approval: true} in bake.yaml), so there is nothing to approve for %s",
			a.Env, name))
	case rel.Status != ledger.StatusValidated:
		return ledger.Approval{}, false, fmt.Errorf("%w: %s failed validation and can never be promoted: approving it would change nothing", ErrRefused, name)
	}
	if why, err := revoked(ctx, store, rel.Image, rel.Version); err != nil {
		return ledger.Approval{}, false, err
	} else if why != "" {
		return ledger.Approval{}, false, fmt.Errorf("%w: %s %s: it can never be promoted again", ErrRefused, name, why)
	}
	approvals, err := store.Approvals(ctx, rel.Image, rel.Version)
	if err != nil {
		return ledger.Approval{}, false, err
	}
	for _, prev := range approvals {
		if prev.Env == a.Env {
			return prev, true, nil
		}
	}
	if err := store.Approve(ctx, a); err != nil {
		return ledger.Approval{}, false, err
	}
	return a, false, nil
}

// Revoke records that a release may never be promoted again. A release
// already revoked keeps its first revocation: the error says by whom, when
// and why, and wraps ledger.ErrExists.
func Revoke(ctx context.Context, store ledger.Store, r ledger.Revocation) error {
	err := store.Revoke(ctx, r)
	if !errors.Is(err, ledger.ErrExists) {
		return err
	}
	first, rerr := store.Revocation(ctx, r.Image, r.Version)
	if rerr != nil {
		return err
	}
	return alreadyRevoked(fmt.Sprintf("%s@%s is already revoked, by %s at %s: %s", r.Image, r.Version, first.By,
		first.At.Local().Format(time.DateTime), first.Reason))
}

// alreadyRevoked says who revoked a release first; errors.Is(err,
// ledger.ErrExists) holds.
type alreadyRevoked string

func (e alreadyRevoked) Error() string      { return string(e) }
func (alreadyRevoked) Is(target error) bool { return target == ledger.ErrExists }
