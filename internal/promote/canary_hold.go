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

// ContinueRequest asks for a held canary to go on: `bake promote IMAGE
// --env ENV --continue`.
type ContinueRequest struct {
	Image   string
	Version string // "" for whichever version is held
	Env     string
	Step    bool // hold again after the next step change
	// Unjudged goes on although the held step served too few requests to
	// judge (`--unjudged`); the next record says so, and who asked.
	Unjudged bool
}

// AbortRequest asks for the canary of Image in Env to end: `bake abort`.
type AbortRequest struct {
	Image string
	Env   string
}

// Continue resumes a held canary under the environment's lock: it checks
// what may have changed while it held (mayContinue), analyses what the
// held step served since it began (a failure aborts as during a pause; too
// few requests to judge is refused, unless Unjudged), then goes on with the
// next step, holding again with Step.
func (d *Engine) Continue(ctx context.Context, r ContinueRequest) (Result, error) {
	env, err := d.canaryEnv(r.Image, r.Env)
	if err != nil {
		return Result{}, err
	}
	st, err := d.heldCanary(ctx, env, r.Image)
	if err != nil {
		return Result{}, err
	}
	if r.Version != "" && r.Version != st.Started.Version {
		return Result{}, BadInput(fmt.Errorf("the canary held in %q is %s@%s, not %s: continue it with `bake promote %s --env %s --continue`",
			env.Name, r.Image, st.Started.Version, r.Version, r.Image, env.Name))
	}
	rel, err := d.Store.Release(ctx, r.Image, st.Started.Version)
	if err != nil {
		return Result{}, err
	}
	if err := Trust(d.Project, rel); err != nil {
		return Result{}, err
	}
	held, lock, release, err := d.hold(ctx, env.Name, d.holder(ledger.KindPromote+" "+rel.Image+"@"+rel.Version))
	if err != nil {
		return Result{}, fmt.Errorf("continuing the canary of %s@%s in %q: %w", rel.Image, rel.Version, env.Name, err)
	}
	defer release()
	// Asked again under the lock: another run may have ended it meanwhile.
	if st, err = d.heldCanary(held, env, r.Image); err != nil {
		return Result{}, err
	}
	if err := d.mayContinue(held, env, rel, st); err != nil {
		return Result{}, err
	}
	d.say("continuing the canary of %s@%s in %q from %s", rel.Image, rel.Version, env.Name,
		stepLabel(st.Step.Canary.Step, st.Step.Canary.Steps, st.Step.Canary.Weight))
	dep := st.Started
	dep.ID, dep.Outcome, dep.Reason, dep.FinishedAt = 0, "", "", time.Time{}
	res, err := d.runCanary(held, env, d.canaryRequest(env, rel, dep), dep, lock, canaryRun{held: st.Step, hold: r.Step, unjudged: r.Unjudged})
	return res, lockLost(held, err)
}

// Abort ends the canary of an image in an environment, held or left by
// a run that stopped: every request goes back to the release it would
// have replaced, its replicas are removed, and it is recorded as failed,
// "aborted by" who asked. The environment's release never changed.
// Nothing to abort is bad input.
func (d *Engine) Abort(ctx context.Context, r AbortRequest) (Result, error) {
	env, err := d.canaryEnv(r.Image, r.Env)
	if err != nil {
		return Result{}, err
	}
	why := "aborted by " + d.User
	// A canary whose run was killed is ended by recovery, as aborted.
	if res, err := d.abortStopped(ctx, env, r.Image, why); res != nil || err != nil {
		if res == nil {
			return Result{}, err
		}
		return *res, err
	}
	res, err := d.abortCanary(ctx, env, r.Image, why)
	if err == nil && res == nil {
		return Result{}, BadInput(fmt.Errorf("nothing to abort: no canary of %s is under way in %q (`bake status %s` shows what runs)",
			r.Image, env.Name, r.Image))
	}
	if res == nil {
		return Result{}, err
	}
	return *res, err
}

// abortCanary aborts the canary of image in env under env's lock; nil when
// there is none.
func (d *Engine) abortCanary(ctx context.Context, env *config.Environment, image, why string) (*Result, error) {
	st, err := CanaryUnderWay(ctx, d.Store, image, env.Name)
	if err != nil || st == nil {
		return nil, err
	}
	s := st.Started
	holder := d.holder("abort " + s.Image + "@" + s.Version)
	held, _, release, err := d.hold(ctx, env.Name, holder)
	interrupted := false
	if errors.Is(err, ledger.ErrLocked) && !st.Held() {
		// A bake runs the canary: it aborts it on Ctrl-C, so send it one.
		held, release, err = d.interruptRun(ctx, env, s, holder, why, err)
		if err != nil {
			return nil, err
		}
		interrupted = true
	}
	if err != nil {
		return nil, fmt.Errorf("aborting the canary of %s@%s in %q: %w", s.Image, s.Version, env.Name, err)
	}
	defer release()
	if st, err = CanaryUnderWay(held, d.Store, image, env.Name); err != nil {
		return nil, err
	}
	if st == nil {
		if interrupted {
			return d.interruptedOutcome(held, env, s)
		}
		return nil, nil
	}
	rel, err := d.Store.Release(held, image, st.Started.Version)
	if err != nil {
		return nil, err
	}
	out := st.Started
	out.ID, out.Outcome, out.FinishedAt = 0, ledger.OutcomeFailed, time.Now().UTC()
	if err := d.sendBack(held, d.canaryRequest(env, rel, out)); err != nil {
		return nil, fmt.Errorf("%w: aborting the canary of %s@%s in %q: %v; run `bake abort %s --env %s` again",
			ErrFailed, s.Image, s.Version, env.Name, err, s.Image, env.Name)
	}
	where := "before its first step"
	if p := st.Progress(); p != nil {
		where = "at " + stepLabel(p.Step, p.Steps, p.Weight)
	}
	out.Reason = fmt.Sprintf("%s %s; every request is back on %s", why, where, orNothing(out.Previous))
	d.say("aborted the canary of %s@%s in %q %s: every request is back on %s", s.Image, s.Version, env.Name, where, orNothing(out.Previous))
	if _, err := d.record(held, &out); err != nil {
		return nil, lockLost(held, d.unrecordedAbort(env, out, out.Reason, err))
	}
	return &Result{Deployment: out, Aborted: true}, nil
}

// heldCanary returns the canary of image held in env; bad input if there
// is none, refused if one runs.
func (d *Engine) heldCanary(ctx context.Context, env *config.Environment, image string) (*CanaryState, error) {
	st, err := CanaryUnderWay(ctx, d.Store, image, env.Name)
	switch {
	case err != nil:
		return nil, err
	case st == nil:
		return nil, BadInput(fmt.Errorf("nothing to continue: no canary of %s is held in %q (`bake status %s` shows what runs)",
			image, env.Name, image))
	case !st.Held():
		return nil, fmt.Errorf("%w: the canary of %s@%s in %q is not held: %s", ErrRefused, image, st.Started.Version, env.Name, st)
	}
	return st, nil
}

// canaryHeld refuses, under env's lock, any promote or rollback of an
// image whose canary is held there: it waits for `--continue` or `bake
// abort`. done is false when nothing is held.
func (d *Engine) canaryHeld(ctx context.Context, env *config.Environment, image string) (done bool, err error) {
	st, err := CanaryUnderWay(ctx, d.Store, image, env.Name)
	if err != nil {
		return true, err
	}
	if st != nil && st.Held() {
		return true, heldRefusal(st)
	}
	return false, nil
}

// canaryEnv resolves the environment of a canary command.
func (d *Engine) canaryEnv(image, name string) (*config.Environment, error) {
	if d.Project.Image(image) == nil {
		return nil, fmt.Errorf("%w image %q: bake.yaml does not define it", ErrUnknown, image)
	}
	env, err := d.environment(name)
	if err != nil {
		return nil, err
	}
	if env.Targets[image] == nil {
		return nil, errNoTarget(env.Name, image)
	}
	return env, nil
}

// canaryRequest is the target request of a canary recorded as dep.
func (d *Engine) canaryRequest(env *config.Environment, rel ledger.Release, dep ledger.Deployment) targets.Request {
	if dep.Reference != "" {
		rel.Reference = dep.Reference
	}
	return targets.Request{Env: env.Name, Image: d.Project.Image(rel.Image), Target: env.Targets[rel.Image], Release: rel,
		Keep: env.Retention.Previous, Releases: env.Retention.Releases}
}
