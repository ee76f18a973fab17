package promote

import (
	"context"
	"errors"
	"fmt"

	"github.com/bakehq/bake/internal/analysis"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
)

// mayContinue checks, under env's lock, what may have changed since the
// held canary st of rel began and would make going on wrong:
//   - bake.yaml's steps for the image (stepsChanged): bad input;
//   - a freeze (`bake lock`): going on is a promotion, refused as any
//     promotion into a locked environment is (`bake abort` and rollbacks,
//     which move back, stay allowed);
//   - a revocation since it began: a revoked release never goes further.
//
// The other gates of a promote (validated, passed the environment before,
// soak, approval) were checked when the canary started and hold for the
// release it runs; a pin, asked only of `promote --from`, comes from a
// rollback, and a rollback ends a held canary rather than leaving it held.
func (d *Engine) mayContinue(ctx context.Context, env *config.Environment, rel ledger.Release, st *CanaryState) error {
	if err := stepsChanged(env, rel.Image, st); err != nil {
		return err
	}
	if err := checkGate(FreezeGate(ctx, d.Store, env.Name)); err != nil {
		return fmt.Errorf("%w; `bake abort %s --env %s` still sends every request back", err, rel.Image, env.Name)
	}
	rev, err := d.Store.Revocation(ctx, rel.Image, rel.Version)
	switch {
	case errors.Is(err, ledger.ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	return fmt.Errorf("%w: not revoked: %s@%s was revoked by %s: %s; send every request back with `bake abort %s --env %s`",
		ErrRefused, rel.Image, rel.Version, rev.By, rev.Reason, rel.Image, env.Name)
}

// stepsChanged refuses to go on with a held canary whose steps in
// bake.yaml are no longer the ones it began with. The step record keeps
// how many steps there were and the held step's weight, not every step's
// weight and pause: when those it keeps differ from bake.yaml's (or the
// target is no canary any more), the steps it began with cannot be known,
// and going on with others would print "step 1/0" or jump to 100%.
func stepsChanged(env *config.Environment, image string, st *CanaryState) error {
	p := st.Progress()
	if p == nil {
		return nil
	}
	tgt := env.Targets[image]
	now := fmt.Sprintf("%d now", len(tgt.Steps))
	switch {
	case tgt.Strategy != config.Canary:
		now = fmt.Sprintf("0 now: strategy %s", tgt.Strategy)
	case len(tgt.Steps) != p.Steps:
	case tgt.Steps[p.Step-1].Weight != p.Weight:
		now += fmt.Sprintf(", step %d was %d%% and is %d%% now", p.Step, p.Weight, tgt.Steps[p.Step-1].Weight)
	default:
		return nil
	}
	return BadInput(fmt.Errorf("bake.yaml's steps for %s in %q changed since the canary began (%d steps then, %s): restore them or `bake abort %s --env %s`",
		image, env.Name, p.Steps, now, image, env.Name))
}

// unjudgedRefusal refuses to go on from a held step whose analysis was
// inconclusive: nothing changes, the canary stays held, and the line says
// what was seen and the three ways on.
func unjudgedRefusal(dep ledger.Deployment, label string, res analysis.Result) error {
	cont := fmt.Sprintf("bake promote %s --env %s --continue", dep.Image, dep.Env)
	return fmt.Errorf("%w: the canary of %s@%s in %q cannot be judged at %s: %s; it stays held: let it serve longer and run `%s` again, send every request back with `bake abort %s --env %s`, or go on without a verdict with `%s --unjudged`",
		ErrRefused, dep.Image, dep.Version, dep.Env, label, oneLine(res.Reason), cont, dep.Image, dep.Env, cont)
}

// unjudgedNote is the reason recorded on the record after a step that went
// on without a verdict, naming who asked.
func (d *Engine) unjudgedNote(label string, res analysis.Result) string {
	return oneLine(fmt.Sprintf("went on from %s unjudged, as %s asked (--unjudged): %s", label, d.User, res.Reason))
}
