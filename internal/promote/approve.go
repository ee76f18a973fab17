package promote

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/signing"
	"github.com/bakehq/bake/internal/signing/keys"
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
	if err := approvalCounts(p, env, rel, a); err != nil {
		return ledger.Approval{}, false, fmt.Errorf("%w: %w", ErrRefused, err)
	}
	approvals, err := store.Approvals(ctx, rel.Image, rel.Version)
	if err != nil {
		return ledger.Approval{}, false, err
	}
	for _, prev := range approvals {
		if prev.Env == a.Env && approvalCounts(p, env, rel, prev) == nil {
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
// and why, and wraps ledger.ErrExists. With signing.approvers in bake.yaml
// only an approver's signed revocation is recorded (ErrRefused otherwise).
func Revoke(ctx context.Context, p *config.Project, store ledger.Store, r ledger.Revocation) error {
	if err := revocationSigned(p, r); err != nil {
		return fmt.Errorf("%w: revoking %s@%s: %w", ErrRefused, r.Image, r.Version, err)
	}
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

// approvalCounts says why a does not let rel into env, nil if it does.
// Without signing.approvers in bake.yaml every recorded approval counts.
// With them, only one signed by an approver's key, naming that approver,
// over rel's digest; and in a protected environment not one signed by the
// key that signed rel, so that whoever can make releases cannot also
// approve them there. A name alone (BAKE_USER, or a row written into the
// ledger) approves nothing.
func approvalCounts(p *config.Project, env *config.Environment, rel ledger.Release, a ledger.Approval) error {
	if len(p.Signing.Approvers) == 0 {
		return nil
	}
	if a.Signature == "" {
		return fmt.Errorf("the approval by %s is not signed, and bake.yaml counts only approvals signed by signing.approvers", a.By)
	}
	ap, ok := p.Signing.Approver(a.SigningKey)
	if !ok {
		return fmt.Errorf("the approval by %s was signed by %s, which is not an approver's key in bake.yaml (signing.approvers)",
			a.By, keys.ShortID(a.SigningKey))
	}
	if ap.Name != a.By {
		return fmt.Errorf("the approval by %s was signed with %s's key", a.By, ap.Name)
	}
	if err := signing.VerifyApproval(ap.Key, a, rel); err != nil {
		return fmt.Errorf("the approval by %s: %w", a.By, err)
	}
	if env.Protected && rel.SigningKey != "" && a.SigningKey == rel.SigningKey {
		return fmt.Errorf("%s approved with the key that signed %s@%s, and %q is protected: another approver must approve it",
			a.By, rel.Image, rel.Version, env.Name)
	}
	return nil
}

// revocationSigned says why r may not be recorded, nil if it may: without
// signing.approvers anyone may revoke; with them, only an approver, with
// their key, under their name.
func revocationSigned(p *config.Project, r ledger.Revocation) error {
	if len(p.Signing.Approvers) == 0 {
		return nil
	}
	if r.Signature == "" {
		return fmt.Errorf("the revocation by %s is not signed, and bake.yaml takes only revocations signed by signing.approvers", r.By)
	}
	ap, ok := p.Signing.Approver(r.SigningKey)
	switch {
	case !ok:
		return fmt.Errorf("the revocation by %s was signed by %s, which is not an approver's key in bake.yaml (signing.approvers)",
			r.By, keys.ShortID(r.SigningKey))
	case ap.Name != r.By:
		return fmt.Errorf("the revocation by %s was signed with %s's key", r.By, ap.Name)
	}
	if err := signing.VerifyRevocation(ap.Key, r); err != nil {
		return fmt.Errorf("the revocation by %s: %w", r.By, err)
	}
	return nil
}
