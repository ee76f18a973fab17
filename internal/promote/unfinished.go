package promote

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/targets"
)

// watchInterrupted ends a deployment whose health watch was interrupted
// (Ctrl-C) the way one that passed it ends: the release serves and is
// recorded as serving, so the replicas it replaced are retired as
// retention says, on a context of their own.
func (d *Engine) watchInterrupted(ctx context.Context, req targets.Request, dep ledger.Deployment) error {
	rel := req.Release
	cleanup, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	retired := "the replicas of " + orNothing(dep.Previous) + " are retired as retention says"
	if err := d.Target.Retire(cleanup, req, dep.Previous); err != nil {
		retired = fmt.Sprintf("retiring the replicas of %s failed: %v (run `bake status %s --check`)", orNothing(dep.Previous), err, rel.Image)
	}
	return fmt.Errorf("interrupted while watching %s@%s in %q: it serves there and is recorded as serving, the watch did not finish, and %s: %w",
		rel.Image, rel.Version, req.Env, retired, ctx.Err())
}

// unrecorded handles a deployment that switched traffic but whose outcome
// the ledger did not take (a full disk): bake never leaves traffic on a
// release the ledger does not record as serving, so it switches back to
// the recorded one and removes the new replicas. Its started record stays
// without an outcome, for `bake recover` to settle once the ledger can be
// written.
func (d *Engine) unrecorded(ctx context.Context, env *config.Environment, req targets.Request, dep ledger.Deployment, lock ledger.Lock, recErr error) error {
	rel := req.Release
	if errors.Is(recErr, ledger.ErrLockLost) {
		// Switching back would undo what the run holding the lock now does.
		return lost(env.Name, rel, "that it serves", recErr)
	}
	what := fmt.Sprintf("%s@%s served in %q, but recording it failed: %v", rel.Image, rel.Version, env.Name, recErr)
	then := fmt.Sprintf("then run `bake recover %s`", env.Name)
	if dep.Previous == "" {
		return fmt.Errorf("%w: %s; nothing ran there before to switch back to, so it still serves; %s", ErrFailed, what, then)
	}
	prev, err := d.Store.Release(ctx, rel.Image, dep.Previous)
	if err != nil {
		return fmt.Errorf("%w: %s; reading %s@%s to switch back: %v; %s", ErrFailed, what, rel.Image, dep.Previous, err, then)
	}
	d.say("%s; switching back to %s, which the ledger records as serving", what, prev.Version)
	back, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	tgt := *req.Target
	tgt.Strategy = config.BlueGreen
	preq := req
	preq.Release, preq.Target = d.placedIn(env, prev), &tgt
	if _, err := d.Target.Deploy(back, preq); err != nil {
		return fmt.Errorf("%w: %s; switching back to %s failed too: %v; %s", ErrFailed, what, prev.Version, err, then)
	}
	preq.Keep = config.KeepRemoved
	if err := d.Target.Retire(back, preq, rel.Version); err != nil {
		d.say("warning: removing the replicas of %s@%s: %v", rel.Image, rel.Version, err)
	}
	return fmt.Errorf("%w: %s; switched back to %s, which the ledger records as serving; %s", ErrFailed, what, prev.Version, then)
}

// lost is the error of an operation whose lock another run took over
// before it recorded what: nothing more of it is recorded or changed, since
// env is the other run's to change now.
func lost(env string, rel ledger.Release, what string, err error) error {
	return fmt.Errorf("%s@%s in %q: recording %s was refused: %w; the run holding the lock now decides what runs there (`bake status %s` shows it)",
		rel.Image, rel.Version, env, what, err, rel.Image)
}
