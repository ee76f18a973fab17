package promote

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/targets"
)

// revert switches env back to the release dep replaced after dep's release
// failed its health watch, records the automatic rollback, pins env to it,
// and removes the failed release's replicas.
func (d *Engine) revert(ctx context.Context, env *config.Environment, req targets.Request, dep ledger.Deployment, lock ledger.Lock, watchErr error) (Result, error) {
	rel := req.Release
	failed := fmt.Sprintf("%s@%s failed its health watch in %q: %v", rel.Image, rel.Version, env.Name, watchErr)
	if dep.Previous == "" {
		return Result{Deployment: dep}, fmt.Errorf("%w: %s; nothing ran there before, so it still serves", ErrFailed, failed)
	}
	prev, err := d.Store.Release(ctx, rel.Image, dep.Previous)
	if err != nil {
		return Result{Deployment: dep}, fmt.Errorf("%w: %s; reading %s@%s to switch back: %v", ErrFailed, failed, rel.Image, dep.Previous, err)
	}
	if err := Trust(d.Project, prev); err != nil { // the one trust check of the automatic rollback
		return Result{Deployment: dep}, fmt.Errorf("%w: %s; not switching back: %v; %q still runs %s@%s",
			ErrFailed, failed, err, env.Name, rel.Image, rel.Version)
	}
	progress.Mark(d.Progress, progress.Step{Kind: progress.Watch, Failed: true}, "%s; switching back to %s", failed, prev.Version)
	back := ledger.Deployment{
		Env: env.Name, Image: rel.Image, Version: prev.Version, Digest: prev.Digest, Previous: rel.Version,
		Kind: ledger.KindAutoRollback, StartedAt: time.Now().UTC(), By: d.User, Reason: failed,
	}
	// It ran in env just before, so its copy is in env's registry.
	if placed := d.placedIn(env, prev); placed.Reference != prev.Reference {
		prev, back.Reference = placed, placed.Reference
	}
	if err := d.start(ctx, back, lock); err != nil {
		return Result{Deployment: dep}, fmt.Errorf("%w: %s; switching back: %v", ErrFailed, failed, err)
	}
	// The previous release's replicas still run (nothing is retired before the
	// watch ends), so switching back in one step is fastest.
	tgt := *req.Target
	tgt.Strategy = config.BlueGreen
	preq := req
	preq.Release, preq.Target = prev, &tgt
	_, err = d.Target.Deploy(ctx, preq)
	back.FinishedAt = time.Now().UTC()
	if err != nil {
		back.Outcome, back.Reason = ledger.OutcomeFailed, failed+"; switching back failed: "+err.Error()
		if _, rerr := d.record(ctx, &back); rerr != nil {
			err = fmt.Errorf("%w; recording that failed too: %v", err, rerr)
		}
		return Result{Deployment: back}, fmt.Errorf("%w: %s; switching back to %s failed: %v; %q still runs %s@%s",
			ErrFailed, failed, prev.Version, err, env.Name, rel.Image, rel.Version)
	}
	back.Outcome = ledger.OutcomeSucceeded
	if _, err = d.record(ctx, &back); errors.Is(err, ledger.ErrLockLost) {
		return Result{}, lost(env.Name, prev, "the automatic rollback to it", err)
	} else if err != nil {
		return Result{}, fmt.Errorf("%w: %s; switched back to %s, but recording the automatic rollback failed: %v; "+
			"run `bake recover %s` once the ledger can be written", ErrFailed, failed, prev.Version, err, env.Name)
	}
	d.point(ctx, preq, back)
	// The failed release's replicas are of no use for a rollback.
	preq.Keep = config.KeepRemoved
	if err := d.Target.Retire(ctx, preq, rel.Version); err != nil {
		d.say("warning: removing the replicas of %s@%s: %v", rel.Image, rel.Version, err)
	}
	return Result{Deployment: back, Pinned: true}, fmt.Errorf("%w: %s; rolled back automatically to %s, and %q is pinned there",
		ErrFailed, failed, prev.Version, env.Name)
}
