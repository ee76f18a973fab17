package promote

import (
	"context"
	"errors"
	"fmt"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
)

// abortAs says that recovery ends the canary of image because a person
// aborted it, and why ("aborted by USER").
type abortAs struct {
	image, why string
}

// ends reports whether a is set and names the canary it interrupted.
func (a *abortAs) ends(it Interruption) bool {
	return a != nil && it.Image == a.image && it.Started != nil && it.Started.Strategy == ledger.StrategyCanary
}

// abortStopped converges env after interrupted operations, as every
// deployment does first; a canary of image whose bake stopped (killed) is
// ended there, every request back on the release it would have replaced,
// and recorded once as failed, aborted by who asked: that is the abort, and
// its result is returned. nil, nil when no such canary was interrupted.
func (d *Engine) abortStopped(ctx context.Context, env *config.Environment, image, why string) (*Result, error) {
	ab := *d
	ab.aborting = &abortAs{image: image, why: why}
	recs, err := ab.RecoverImages(ctx, env, envImages(env))
	switch {
	case errors.Is(err, ErrUnderWay):
		return nil, nil // a bake runs: abortCanary interrupts it
	case errors.Is(err, ErrNotRecovered):
		d.say("warning: %v", err)
		err = nil
	}
	for _, rec := range recs {
		if !ab.aborting.ends(rec.Interruption) {
			continue
		}
		if rec.Recorded == nil {
			return nil, errors.Join(err, fmt.Errorf("%w: aborting the canary of %s@%s in %q: its bake had stopped and recovering it recorded nothing; run `bake recover %s`",
				ErrFailed, image, rec.Interruption.Version, env.Name, env.Name))
		}
		out := *rec.Recorded
		if out.Outcome != ledger.OutcomeFailed {
			return nil, fmt.Errorf("%w: the canary of %s@%s in %q already served every request when its bake stopped, so recovery finished it (%s); `bake rollback %s --env %s` goes back",
				ErrFailed, image, out.Version, env.Name, out.Outcome, image, env.Name)
		}
		d.say("aborted the canary of %s@%s in %q, whose bake had stopped: every request is back on %s", image, out.Version, env.Name, orNothing(out.Previous))
		return &Result{Deployment: out, Aborted: true}, err
	}
	return nil, err
}
