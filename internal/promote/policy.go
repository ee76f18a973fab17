package promote

import (
	"context"
	"errors"
	"fmt"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
)

// ErrUnknown means a name given by the user does not exist (exit 2).
var ErrUnknown = errors.New("unknown")

// Check applies the promotion policy: a failed release never enters any
// environment, the first environment takes validated releases, and every
// later one only releases that succeeded in the environment before it.
func Check(ctx context.Context, p *config.Project, store ledger.Store, rel ledger.Release, env string) error {
	e, idx := p.Environment(env)
	if e == nil {
		return fmt.Errorf("%w environment %q: bake.yaml defines %s", ErrUnknown, env, envNames(p))
	}
	if _, ok := e.Targets[rel.Image]; !ok {
		return fmt.Errorf("%w: environment %q has no target for %s in bake.yaml", ErrUnknown, env, rel.Image)
	}
	if rel.Status != ledger.StatusValidated {
		return fmt.Errorf("%w: %s@%s %s validation and can never be promoted", ErrRefused, rel.Image, rel.Version, rel.Status)
	}
	if idx == 0 {
		return nil
	}
	prev := p.Environments[idx-1].Name
	deps, err := store.Deployments(ctx, rel.Image, prev)
	if err != nil {
		return err
	}
	for _, d := range deps {
		if d.Digest == rel.Digest && d.Outcome == ledger.OutcomeSucceeded {
			return nil
		}
	}
	return fmt.Errorf("%w: %s@%s has not succeeded in %q, which comes before %q: promote it to %q first",
		ErrRefused, rel.Image, rel.Version, prev, env, prev)
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
