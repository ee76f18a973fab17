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

// ErrNotRecovered means bake could not converge after an interruption
// on its own: the target type does not recover. The operation is
// recorded as failed, its lock released, and the error says what to check.
var ErrNotRecovered = errors.New("not recovered")

// What recovery did about an interrupted operation.
const (
	ActionFinished     = "finished"      // its release already served: recorded as succeeded
	ActionReverted     = "reverted"      // the recorded release serves again: recorded as failed
	ActionReleased     = "released"      // nothing to converge: its lock is released
	ActionNotRecovered = "not recovered" // the target cannot recover: recorded as failed
)

// Recovery is what bake did about one interrupted operation.
type Recovery struct {
	Interruption Interruption `json:"interruption"`
	Left         string       `json:"left,omitempty"` // the state it left: front door and replicas
	Action       string       `json:"action"`
	Serves       string       `json:"serves,omitempty"` // the version in traffic afterwards
	// Recorded is the outcome recorded for it, if recovery recorded one.
	Recorded *ledger.Deployment `json:"recorded,omitempty"`
}

// Recoverer is a Target that can read what runs and converge after an
// interrupted deployment (targets.Router, passing on to the docker target).
type Recoverer interface {
	Inspect(ctx context.Context, req targets.Request) (targets.Live, error)
	Recover(ctx context.Context, rec targets.Recovery) (targets.Recovered, error)
}

// RecoverImages converges env after the interrupted operations on images: it
// takes env's lock over from a holder that is gone (never from one that
// runs: ErrUnderWay), then for each interrupted operation says what it was
// and what state it left, puts traffic on exactly one release (its own
// when the front door already sends traffic only to healthy replicas of
// it, else the recorded one), removes the replicas it left behind, records
// its outcome, and releases the lock. Nothing interrupted: no recoveries.
func (d *Engine) RecoverImages(ctx context.Context, env *config.Environment, images []string) ([]Recovery, error) {
	ints, err := Interrupted(ctx, d.Store, env.Name, images)
	if err != nil || len(ints) == 0 {
		return nil, err
	}
	// Recovery changes what runs only if it can record what it did.
	if err := d.Store.CheckWritable(ctx); err != nil {
		return nil, fmt.Errorf("recovering %q: %w; nothing was changed: run `bake recover %s` again once the ledger can be written",
			env.Name, err, env.Name)
	}
	held, stale, release, err := d.takeOver(ctx, env.Name)
	if err != nil {
		return nil, err
	}
	defer release()
	if ints, err = interrupted(held, d.Store, env.Name, images, stale); err != nil {
		return nil, err
	}
	recs, err := d.recoverAll(held, env, ints)
	return recs, lockLost(held, err)
}

// recoverLocked converges the interrupted operations on images that a
// holder of env's lock finds; one the target cannot recover is recorded
// and reported, and does not stop the caller.
func (d *Engine) recoverLocked(ctx context.Context, env *config.Environment, images []string, stale *ledger.Lock) error {
	ints, err := interrupted(ctx, d.Store, env.Name, images, stale)
	if err != nil || len(ints) == 0 {
		return err
	}
	if err := d.Store.CheckWritable(ctx); err != nil {
		return fmt.Errorf("recovering %q first: %w; nothing was changed", env.Name, err)
	}
	_, err = d.recoverAll(ctx, env, ints)
	if errors.Is(err, ErrNotRecovered) {
		d.say("warning: %v", err)
		return nil
	}
	return err
}

func (d *Engine) recoverAll(ctx context.Context, env *config.Environment, ints []Interruption) ([]Recovery, error) {
	var recs []Recovery
	var errs []error
	for _, it := range ints {
		rec, err := d.recoverOne(ctx, env, it)
		recs = append(recs, rec)
		errs = append(errs, err)
	}
	return recs, errors.Join(errs...)
}

// takeOver takes env's lock for recovery, releasing first a lock whose
// holder is gone; stale is that lock, nil if there was none. held fences
// recovery's writes and release releases the lock (see hold).
func (d *Engine) takeOver(ctx context.Context, env string) (held context.Context, stale *ledger.Lock, release func(), err error) {
	key := LockKey(env)
	cur, err := d.Store.Holder(ctx, key)
	switch {
	case err == nil:
		if !Gone(cur, time.Now()) {
			return nil, nil, nil, fmt.Errorf("%w: %w", ErrUnderWay, &ledger.LockedError{Key: key, Holder: cur.Holder, Since: cur.Since})
		}
		stale = &cur
		// Unlock removes the lock only while this holder still has it.
		if err := d.Store.Unlock(ctx, cur); err != nil && !errors.Is(err, ledger.ErrNotFound) {
			return nil, nil, nil, err
		}
	case !errors.Is(err, ledger.ErrNotFound):
		return nil, nil, nil, err
	}
	held, _, release, err = d.hold(ctx, env, d.holder("recover "+env))
	if errors.Is(err, ledger.ErrLocked) {
		return nil, nil, nil, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	return held, stale, release, err
}

// recoverOne converges one interrupted operation and records its outcome.
// When converging fails, nothing is recorded: the next recover tries again.
func (d *Engine) recoverOne(ctx context.Context, env *config.Environment, it Interruption) (Recovery, error) {
	rec := Recovery{Interruption: it, Action: ActionReleased}
	img, tgt := d.Project.Image(it.Image), env.Targets[it.Image]
	if it.Image == "" || img == nil || tgt == nil {
		d.say("interrupted: %s; nothing to converge, its lock is released", it)
		return rec, d.recordInterrupted(ctx, &rec, false, "bake.yaml no longer deploys it there")
	}
	rq := targets.Recovery{
		Request: targets.Request{Env: env.Name, Image: img, Target: tgt, Keep: env.Retention.Previous,
			Releases: env.Retention.Releases},
		Operation: it.Operation(),
	}
	cur, err := d.Store.Current(ctx, it.Image, env.Name)
	switch {
	case err == nil:
		r, err := d.Store.Release(ctx, it.Image, cur.Version)
		if err != nil {
			return rec, err
		}
		rq.Recorded, rq.RecordedPrevious = &r, cur.Previous
	case !errors.Is(err, ledger.ErrNotFound):
		return rec, err
	}
	switch {
	case it.Started != nil:
		if rq.Release, err = d.Store.Release(ctx, it.Image, it.Version); err != nil {
			return rec, err
		}
		rq.Previous = it.Previous
		rq.Finish = it.Outcome == nil || it.Outcome.Outcome == ledger.OutcomeSucceeded
	case rq.Recorded != nil:
		rq.Release, rq.Previous = *rq.Recorded, rq.RecordedPrevious
	default:
		d.say("interrupted: %s; nothing ran or was recorded there, its lock is released", it)
		return rec, nil
	}

	r, ok := d.Target.(Recoverer)
	if !ok {
		return d.notRecovered(ctx, &rec, env, targets.ErrNoRecovery)
	}
	live, err := r.Inspect(ctx, rq.Request)
	if errors.Is(err, targets.ErrNoRecovery) {
		return d.notRecovered(ctx, &rec, env, err)
	}
	if err != nil {
		return rec, failed{fmt.Errorf("reading what runs for %s in %q: %w", it.Image, env.Name, err)}
	}
	rec.Left = live.String()
	d.say("interrupted: %s; state left: %s", it, rec.Left)
	if err := d.trustRecovery(&rq); err != nil {
		return rec, fmt.Errorf("recovering %s in %q after the interrupted %s: %w", it.Image, env.Name, orNothing(it.Kind), err)
	}
	d.placeRecovery(env, &rq)
	res, err := r.Recover(ctx, rq)
	if err != nil {
		return rec, fmt.Errorf("%w: recovering %s in %q after the interrupted %s: %v; run `bake recover %s` again",
			ErrFailed, it.Image, env.Name, orNothing(it.Kind), err, env.Name)
	}
	rec.Serves, rec.Action = res.Serves, ActionReverted
	if res.Finished {
		rec.Action = ActionFinished
	}
	why := fmt.Sprintf("%q is back on %s", env.Name, orNothing(res.Serves))
	if res.Finished {
		why = fmt.Sprintf("%s@%s already served on healthy replicas, so recovery finished it", it.Image, it.Version)
	}
	if err := d.recordInterrupted(ctx, &rec, res.Finished, why); err != nil {
		return rec, err
	}
	if now, err := d.Store.Current(ctx, it.Image, env.Name); err == nil {
		served := rq.Request
		if res.Finished || rq.Recorded == nil {
			served.Release = rq.Release
		} else {
			served.Release = *rq.Recorded
		}
		d.point(ctx, served, now)
	}
	if res.Finished {
		d.say("recovered %s in %q: %s@%s serves, as the interrupted %s meant", it.Image, env.Name, it.Image, res.Serves, it.Kind)
	} else {
		d.say("recovered %s in %q: %s serves", it.Image, env.Name, orNothing(res.Serves))
	}
	return rec, nil
}

// recordInterrupted records the outcome of an interrupted operation whose
// started record has none: succeeded when recovery finished it, else
// failed, with why in the reason.
func (d *Engine) recordInterrupted(ctx context.Context, rec *Recovery, finished bool, why string) error {
	it := rec.Interruption
	if it.Started == nil || it.Outcome != nil {
		return nil
	}
	out := *it.Started
	out.ID, out.FinishedAt, out.Outcome = 0, time.Now().UTC(), ledger.OutcomeFailed
	if finished {
		out.Outcome = ledger.OutcomeSucceeded
	}
	out.Reason = fmt.Sprintf("interrupted: %s stopped before it finished; %s (recovered by %s)", it.By, why, d.User)
	if d.aborting.ends(it) && !finished {
		by := it.By
		if h, ok := ParseHolder(it.By); ok {
			by = fmt.Sprintf("%s on %s, pid %d", h.User, h.Host, h.PID)
		}
		out.Reason = fmt.Sprintf("%s after the bake running it stopped (%s); %s", d.aborting.why, by, why)
	}
	// The pin change goes with the outcome, as if the operation had finished itself.
	if _, err := d.record(ctx, &out); err != nil {
		return fmt.Errorf("recording the outcome of the interrupted %s of %s@%s in %q: %w", it.Kind, it.Image, it.Version, it.Env, err)
	}
	rec.Recorded = &out
	return nil
}

// notRecovered handles an interruption on a target bake does not recover:
// it records the operation as failed, says what to check, and returns
// ErrNotRecovered.
func (d *Engine) notRecovered(ctx context.Context, rec *Recovery, env *config.Environment, cause error) (Recovery, error) {
	it := rec.Interruption
	rec.Action = ActionNotRecovered
	check := fmt.Sprintf("%v (%s targets): check with `bake status %s --check` that only the group of the recorded release is "+
		"in the target groups with every instance healthy, and that no group of %s@%s is left running or attached if it "+
		"is not the recorded release; then promote or roll back %s in %q to put it right",
		cause, orNothing(env.Targets[it.Image].Type), it.Image, it.Image, it.Version, it.Image, env.Name)
	d.say("interrupted: %s; %s", it, check)
	if err := d.recordInterrupted(ctx, rec, false, "not recovered: "+check); err != nil {
		return *rec, err
	}
	return *rec, fmt.Errorf("%w: the interrupted %s of %s@%s in %q: %s", ErrNotRecovered, it.Kind, it.Image, it.Version, env.Name, check)
}

// trustRecovery applies the trust gates to what recovery may put into
// traffic: the interrupted release is kept only if it passes them (else
// the recorded one goes back), and the recorded one must pass them, since
// recovery deploys it when it does not serve.
func (d *Engine) trustRecovery(rq *targets.Recovery) error {
	if rq.Finish {
		if err := Trust(d.Project, rq.Release); err != nil {
			d.say("not keeping %s@%s: %v", rq.Release.Image, rq.Release.Version, err)
			rq.Finish = false
		}
	}
	if rq.Recorded == nil {
		return nil
	}
	return Trust(d.Project, *rq.Recorded)
}
