package promote

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bakehq/bake/internal/analysis"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/targets"
)

// abortTimeout bounds sending traffic back and removing a canary, on a
// context of its own so that Ctrl-C cannot cut it short.
const abortTimeout = 2 * time.Minute

// sendBack sends every request back to the baseline and removes the
// canary's replicas.
func (d *Engine) sendBack(ctx context.Context, req targets.Request) error {
	back, cancel := context.WithTimeout(context.WithoutCancel(ctx), abortTimeout)
	defer cancel()
	return d.Target.(targets.Canary).Abort(back, req)
}

// canaryFailed ends a canary whose analysis failed (or stayed
// inconclusive to the end of a step): every request goes back to the
// release it would have replaced, the canary's replicas are removed, the
// canary is recorded as failed with the measurements, and the switch back
// as an automatic rollback, which pins the environment as after a failed
// health watch (PinChange). Both records reach the webhook (Recorded).
func (d *Engine) canaryFailed(ctx context.Context, env *config.Environment, req targets.Request, dep ledger.Deployment, lock ledger.Lock, label string, res analysis.Result) (Result, error) {
	why := res.Reason
	if res.Verdict == analysis.Inconclusive {
		why = "inconclusive at the end of the step: " + res.Reason
		if res.Advice != "" {
			why += "; " + res.Advice
		}
	}
	failed := oneLine(fmt.Sprintf("%s@%s failed its canary analysis in %q at %s: %s", dep.Image, dep.Version, env.Name, label, why))
	progress.Mark(d.Progress, progress.Step{Kind: progress.Canary, Failed: true}, "%s; sending every request back to %s", failed, dep.Previous)
	dep.Analysis = res.Measurements
	if err := d.sendBack(ctx, req); err != nil {
		return d.canaryAborted(ctx, env, req, dep, label, fmt.Errorf("%s; sending every request back failed: %w", failed, err))
	}
	dep.Outcome, dep.Reason, dep.FinishedAt = ledger.OutcomeFailed, failed, time.Now().UTC()
	if _, err := d.record(ctx, &dep); err != nil {
		return Result{Deployment: dep}, d.unrecordedAbort(env, dep, failed, err)
	}
	prev, err := d.Store.Release(ctx, dep.Image, dep.Previous)
	if err != nil {
		return Result{Deployment: dep}, fmt.Errorf("%w: %s; every request is back on %s, but reading its release to record that failed: %v",
			ErrFailed, failed, dep.Previous, err)
	}
	back := ledger.Deployment{
		Env: env.Name, Image: dep.Image, Version: prev.Version, Digest: prev.Digest, Previous: dep.Version,
		Kind: ledger.KindAutoRollback, StartedAt: time.Now().UTC(), By: d.User, Reason: oneLine("canary analysis failed: " + why), Analysis: res.Measurements,
	}
	if placed := d.placedIn(env, prev); placed.Reference != prev.Reference {
		prev, back.Reference = placed, placed.Reference
	}
	if err := d.start(ctx, back, lock); err != nil {
		return Result{Deployment: dep}, fmt.Errorf("%w: %s; every request is back on %s, but recording that failed: %v", ErrFailed, failed, prev.Version, err)
	}
	back.Outcome, back.FinishedAt = ledger.OutcomeSucceeded, time.Now().UTC()
	if _, err := d.record(ctx, &back); err != nil {
		return Result{Deployment: dep}, d.unrecordedAbort(env, back, failed, err)
	}
	preq := req
	preq.Release = prev
	d.point(ctx, preq, back)
	return Result{Deployment: back, Pinned: true}, fmt.Errorf("%w: %s; every request is back on %s, and %q is pinned there",
		ErrFailed, failed, prev.Version, env.Name)
}

// canaryAborted ends a canary that could not go on for a reason other
// than its analysis (a step change or a record that failed): every request
// goes back, the canary's replicas are removed, and it is recorded as
// failed. The environment's release never changed, so nothing is rolled back.
func (d *Engine) canaryAborted(ctx context.Context, env *config.Environment, req targets.Request, dep ledger.Deployment, label string, cause error) (Result, error) {
	what := fmt.Sprintf("the canary of %s@%s in %q stopped at %s: %v", dep.Image, dep.Version, env.Name, label, cause)
	state := fmt.Sprintf("every request is back on %s", orNothing(dep.Previous))
	if err := d.sendBack(ctx, req); err != nil {
		state = fmt.Sprintf("sending every request back failed: %v; run `bake abort %s --env %s`", err, dep.Image, env.Name)
	}
	progress.Mark(d.Progress, progress.Step{Kind: progress.Canary, Failed: true}, "%s; %s", what, state)
	dep.Outcome, dep.Reason, dep.FinishedAt = ledger.OutcomeFailed, oneLine(what+"; "+state), time.Now().UTC()
	if _, err := d.record(ctx, &dep); err != nil {
		return Result{Deployment: dep}, d.unrecordedAbort(env, dep, what, err)
	}
	return Result{Deployment: dep}, fmt.Errorf("%w: %s; %s", ErrFailed, what, state)
}

// canaryInterrupted ends a canary whose run was stopped (Ctrl-C,
// SIGTERM): every request goes back, the canary's replicas are removed,
// and it is recorded as failed, interrupted.
func (d *Engine) canaryInterrupted(ctx context.Context, env *config.Environment, req targets.Request, dep ledger.Deployment, label string, cause error) (Result, error) {
	if ctx.Err() == nil {
		return d.canaryAborted(ctx, env, req, dep, label, cause)
	}
	if lost := context.Cause(ctx); errors.Is(lost, ledger.ErrLockLost) {
		// Sending the traffic back would undo the new holder's work.
		return Result{}, fmt.Errorf("the canary of %s@%s in %q stopped at %s: %w", dep.Image, dep.Version, env.Name, label, lost)
	}
	if why := d.abortNote(); why != "" {
		// Another bake's `bake abort` sent the Ctrl-C: say who asked.
		return d.canaryAborted(ctx, env, req, dep, label, errors.New(why))
	}
	return d.canaryAborted(ctx, env, req, dep, label, targets.InterruptedWhile(ctx, "it served its share"))
}

// unrecordedAbort is the error of a canary whose end the ledger did not
// take: traffic is back on the baseline already; recovery records it.
func (d *Engine) unrecordedAbort(env *config.Environment, dep ledger.Deployment, what string, err error) error {
	if errors.Is(err, ledger.ErrLockLost) {
		return lost(env.Name, ledger.Release{Image: dep.Image, Version: dep.Version}, "the end of its canary", err)
	}
	return fmt.Errorf("%w: %s; recording it failed: %v; run `bake recover %s` once the ledger can be written", ErrFailed, what, err, env.Name)
}

// oneLine folds s onto one line: the history table shows one row per record.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
