package promote

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
)

// ErrUnknown means a name given by the user does not exist (exit 2).
var ErrUnknown = errors.New("unknown")

// BadInput marks err as bad input (it wraps ErrUnknown, exit 2) and reads as
// err alone, for a problem that is not an unknown name.
func BadInput(err error) error { return badInput{err} }

type badInput struct{ err error }

func (e badInput) Error() string   { return e.err.Error() }
func (e badInput) Unwrap() []error { return []error{ErrUnknown, e.err} }

// Gate is one rule a release must meet to enter an environment.
type Gate struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	Detail string `json:"detail"`
}

// Gates evaluates every gate of env for rel. A failed release never enters
// any environment, nor does one that fails a trust gate (TrustGates), nor a
// revoked one; the first environment takes
// validated releases, every later one only releases that succeeded in the
// environment before it; an environment may also ask for a soak time there
// and a manual approval.
func Gates(ctx context.Context, p *config.Project, store ledger.Store, rel ledger.Release, env string) ([]Gate, error) {
	return gates(ctx, p, store, rel, env, true)
}

// gates is Gates, with the trust gates only when withTrust is set (a
// deployment checks trust on its own, once).
func gates(ctx context.Context, p *config.Project, store ledger.Store, rel ledger.Release, env string, withTrust bool) ([]Gate, error) {
	e, idx := p.Environment(env)
	if e == nil {
		return nil, fmt.Errorf("%w environment %q: bake.yaml defines %s", ErrUnknown, env, envNames(p))
	}
	if _, ok := e.Targets[rel.Image]; !ok {
		return nil, fmt.Errorf("%w: environment %q has no target for %s in bake.yaml", ErrUnknown, env, rel.Image)
	}
	name := rel.Image + "@" + rel.Version
	gates := []Gate{{Name: "validated", Passed: rel.Status == ledger.StatusValidated, Detail: name + " passed validation"}}
	if !gates[0].Passed {
		gates[0].Detail = name + " failed validation and can never be promoted"
	}
	if withTrust {
		gates = append(gates, TrustGates(p, rel)...)
	}

	rev, err := store.Revocation(ctx, rel.Image, rel.Version)
	switch {
	case err == nil:
		gates = append(gates, Gate{Name: "not revoked", Detail: fmt.Sprintf("%s was revoked by %s: %s", name, rev.By, rev.Reason)})
	case errors.Is(err, ledger.ErrNotFound):
		gates = append(gates, Gate{Name: "not revoked", Passed: true, Detail: name + " is not revoked"})
	default:
		return nil, err
	}

	if why, err := amisRemoved(ctx, store, rel); err != nil {
		return nil, err
	} else if why != "" {
		gates = append(gates, Gate{Name: "AMIs present", Detail: why})
	}

	if idx > 0 {
		prev := p.Environments[idx-1].Name
		served, err := readServed(ctx, store, rel, prev, e.Gates.Soak, time.Now())
		if err != nil {
			return nil, err
		}
		ran := served.longest
		g := Gate{Name: "passed " + prev, Passed: ran >= 0, Detail: fmt.Sprintf("%s succeeded in %q", name, prev)}
		if !g.Passed {
			g.Detail = fmt.Sprintf("%s has not succeeded in %q, which comes before %q: promote it to %q first", name, prev, env, prev)
		}
		if served.reverted != nil {
			back := served.reverted
			g.Passed = false
			g.Detail = fmt.Sprintf("%s failed its health watch in %q and was rolled back to %s at %s: %s",
				name, prev, back.Version, back.FinishedAt.Local().Format(time.DateTime), back.Reason)
		}
		gates = append(gates, g)
		if soak := e.Gates.Soak; soak > 0 {
			g := Gate{Name: "soak", Passed: ran >= soak,
				Detail: fmt.Sprintf("%s ran %s in %q; %q asks for %s", name, max(ran, 0).Round(time.Second), prev, env, soak)}
			gates = append(gates, g)
		}
	}

	if e.Gates.Approval {
		approvals, err := store.Approvals(ctx, rel.Image, rel.Version)
		if err != nil {
			return nil, err
		}
		g := Gate{Name: "approval", Detail: fmt.Sprintf("%q needs an approval: run `bake approve %s --env %s`", env, name, env)}
		for _, a := range approvals {
			if a.Env != env || g.Passed {
				continue
			}
			if err := approvalCounts(p, e, rel, a); err != nil {
				g.Detail = fmt.Sprintf("%v; run `bake approve %s --env %s --key KEY` with an approver's key", err, name, env)
				continue
			}
			g.Passed, g.Detail = true, fmt.Sprintf("approved by %s at %s", a.By, a.At.Local().Format(time.DateTime))
		}
		gates = append(gates, g)
	}
	return gates, nil
}

// served is what an environment's history says about one release (by
// digest) there, read newest first: the longest time it served, and the
// automatic rollback that moved the environment away from it after it last
// arrived, if one did.
type served struct {
	rel      ledger.Release
	soak     time.Duration
	longest  time.Duration // -1 until it is seen serving
	end      time.Time     // when the deployment after the one looked at took over
	reverted *ledger.Deployment
	arrived  bool // its newest succeeded deployment was seen: reverted is decided
}

func newServed(rel ledger.Release, soak time.Duration, now time.Time) *served {
	return &served{rel: rel, soak: soak, longest: -1, end: now}
}

// next takes the next older deployment and reports whether older history
// could still change the answer: not once the release is known to have
// served the soak time and whether a rollback reverted it is decided.
func (s *served) next(d ledger.Deployment) (more bool) {
	if d.Outcome != ledger.OutcomeSucceeded {
		return true
	}
	if !s.arrived && d.Kind == ledger.KindAutoRollback && d.Previous == s.rel.Version {
		s.reverted, s.arrived = &d, true
	}
	if d.Digest == s.rel.Digest {
		s.arrived = true
		s.longest = max(s.longest, s.end.Sub(d.FinishedAt))
	}
	s.end = d.FinishedAt
	return !s.arrived || s.longest < s.soak
}

// readServed reads what env's history says about rel, newest first, only
// as far back as it takes to decide the gates that ask it.
func readServed(ctx context.Context, store ledger.Store, rel ledger.Release, env string, soak time.Duration, now time.Time) (*served, error) {
	s := newServed(rel, soak, now)
	err := ledger.WalkDeployments(ctx, store, rel.Image, env, func(d ledger.Deployment) (bool, error) {
		return s.next(d), nil
	})
	return s, err
}

// ranFor returns the longest time a release (by digest) served in an
// environment, from its deployments listed newest first; -1 if it never did.
func ranFor(deps []ledger.Deployment, digest string, now time.Time) time.Duration {
	s := newServed(ledger.Release{Digest: digest}, time.Duration(math.MaxInt64), now)
	for _, d := range deps {
		s.next(d)
	}
	return s.longest
}

// PinGate says whether a rollback pins env: `promote --from` must not move a
// pinned environment forward, so an automatic promotion never undoes a
// rollback. `bake unpin` or a promote of an explicit version releases it.
func PinGate(ctx context.Context, store ledger.Store, image, env string) (Gate, error) {
	g := Gate{Name: "not pinned", Passed: true, Detail: fmt.Sprintf("%s in %q is not pinned", image, env)}
	pin, err := store.Pin(ctx, image, env)
	if errors.Is(err, ledger.ErrNotFound) || (err == nil && !pin.Pinned) {
		return g, nil
	}
	if err != nil {
		return Gate{}, err
	}
	g.Passed = false
	g.Detail = fmt.Sprintf("%s in %q is pinned to %s since %s (%s, by %s); run `bake unpin %s --env %s` or promote an explicit version",
		image, env, pin.Version, pin.At.Local().Format(time.DateTime), pin.Reason, pin.By, image, env)
	return g, nil
}

func envNames(p *config.Project) string {
	s := ""
	for i, e := range p.Environments {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%q", e.Name)
	}
	return s
}
