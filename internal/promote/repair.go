package promote

import (
	"context"
	"errors"
	"fmt"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/targets"
)

// ActionRepaired: nothing was interrupted, but traffic did not go to the
// recorded release (its replicas were removed or stopped by hand, or the
// front door was pointed elsewhere); recovery put the recorded release back
// into traffic. The ledger is unchanged: it already said what serves.
const ActionRepaired = "repaired"

// repairTraffic puts each image's recorded release back into traffic where
// the target no longer sends traffic to exactly its replicas, under env's
// lock. Images nothing was ever deployed to, and targets that cannot tell
// what runs, are left alone.
func (d *Engine) repairTraffic(ctx context.Context, env *config.Environment, images []string) ([]Recovery, error) {
	r, ok := d.Target.(Recoverer)
	if !ok || len(images) == 0 {
		return nil, nil
	}
	held, _, release, err := d.hold(ctx, env.Name, d.holder("recover "+env.Name))
	if err != nil {
		if errors.Is(err, ledger.ErrLocked) {
			return nil, fmt.Errorf("%w: %w", ErrUnderWay, err)
		}
		return nil, err
	}
	defer release()
	recs, err := d.repairHeld(held, r, env, images)
	return recs, lockLost(held, err)
}

// repairHeld is repairTraffic once env's lock is held; ctx fences its writes.
func (d *Engine) repairHeld(ctx context.Context, r Recoverer, env *config.Environment, images []string) ([]Recovery, error) {
	var recs []Recovery
	for _, image := range images {
		cur, err := d.Store.Current(ctx, image, env.Name)
		if errors.Is(err, ledger.ErrNotFound) {
			continue
		}
		if err != nil {
			return recs, err
		}
		rel, err := d.Store.Release(ctx, image, cur.Version)
		if err != nil {
			return recs, err
		}
		// A held canary shares the traffic on purpose: a person ends it.
		if c, err := CanaryUnderWay(ctx, d.Store, image, env.Name); err != nil {
			return recs, err
		} else if c != nil {
			d.say("%s in %q: %s; left as it is", image, env.Name, c)
			continue
		}
		tgt := env.Targets[image]
		rq := targets.Recovery{
			Request: targets.Request{Env: env.Name, Image: d.Project.Image(image), Target: tgt, Release: rel,
				Keep: env.Retention.Previous, Releases: env.Retention.Releases},
			Finish: true, Previous: cur.Previous, Recorded: &rel, RecordedPrevious: cur.Previous,
			Operation: d.Operation,
		}
		live, err := r.Inspect(ctx, rq.Request)
		if errors.Is(err, targets.ErrNoRecovery) {
			continue
		}
		if err != nil {
			return recs, failed{fmt.Errorf("reading what runs for %s in %q: %w", image, env.Name, err)}
		}
		if live.ServesOnly(rel.Digest, tgt.Replicas) {
			continue
		}
		rec := Recovery{Interruption: Interruption{Env: env.Name, Image: image, Version: cur.Version},
			Left: live.String(), Action: ActionRepaired}
		d.say("%s in %q does not serve its recorded release %s (%s): putting it back into traffic", image, env.Name, cur.Version, rec.Left)
		if err := d.trustRecovery(&rq); err != nil {
			return recs, fmt.Errorf("repairing %s in %q: %w", image, env.Name, err)
		}
		d.placeRecovery(env, &rq)
		res, err := r.Recover(ctx, rq)
		if err != nil {
			return recs, fmt.Errorf("%w: putting %s@%s back into traffic in %q: %v; run `bake recover %s` again",
				ErrFailed, image, cur.Version, env.Name, err, env.Name)
		}
		rec.Serves = res.Serves
		recs = append(recs, rec)
	}
	return recs, nil
}
