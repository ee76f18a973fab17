package promote

import (
	"context"
	"fmt"
	"time"

	"github.com/bakehq/bake/internal/analysis"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/targets"
)

// canaryRun is where a canary deployment starts its steps from.
type canaryRun struct {
	// held is the step record of a held canary that `--continue` resumes;
	// nil for a new canary.
	held *ledger.Deployment
	// hold holds the canary after each step change (`--step`).
	hold bool
	// unjudged goes on from a held step too few requests reached to judge
	// (`--continue --unjudged`); without it that is refused.
	unjudged bool
}

// canaryApplies reports whether deploying req as kind goes by the canary
// strategy: only a promote (rollbacks, automatic or not, switch at once),
// of a target whose strategy is canary and whose type can run one, into an
// environment where a release serves to compare the canary with.
func (d *Engine) canaryApplies(kind string, req targets.Request, dep ledger.Deployment) bool {
	if kind != ledger.KindPromote || req.Target.Strategy != config.Canary {
		return false
	}
	if _, ok := d.Target.(targets.Canary); !ok {
		return false
	}
	if dep.Previous == "" {
		d.say("no release of %s serves in %q yet, so there is nothing to compare a canary with: %s@%s deploys blue-green",
			dep.Image, dep.Env, dep.Image, dep.Version)
		return false
	}
	return true
}

// switchAtOnce is req for a deployment that does not step although its
// target's strategy is canary (a rollback, or a first release with nothing
// to compare it with): blue-green, one switch once healthy.
func switchAtOnce(req targets.Request) targets.Request {
	if req.Target.Strategy != config.Canary {
		return req
	}
	t := *req.Target
	t.Strategy = config.BlueGreen
	req.Target = &t
	return req
}

// runCanary deploys req by steps: it starts the canary's replicas beside
// the serving ones, then for each step sends the step's share of requests
// to them, records the step, and analyses the step's requests for its
// pause; a failed analysis sends every request back (canaryFailed). After
// the last step every request goes to the canary and the deployment
// finishes as any other (finish). With run.hold it stops after a step
// change and leaves the canary serving its share, held.
func (d *Engine) runCanary(ctx context.Context, env *config.Environment, req targets.Request, dep ledger.Deployment, lock ledger.Lock, run canaryRun) (Result, error) {
	c := d.Target.(targets.Canary)
	steps := req.Target.Steps
	replicas, err := c.StartCanary(ctx, req)
	if err != nil {
		return d.deployFailed(ctx, env, dep, err)
	}
	from, last, note := 0, analysis.Result{}, ""
	if h := run.held; h != nil {
		from = h.Canary.Step // the index of the step after the held one
		began, baseline := h.FinishedAt, dep.Previous
		label := stepLabel(h.Canary.Step, len(steps), h.Canary.Weight)
		// One look at what the held step served: held to 1-Confidence.
		if last, err = d.analyse(ctx, c, req, replicas, baseline, began, analysis.Look{}); err != nil {
			return d.canaryInterrupted(ctx, env, req, dep, label, err)
		}
		switch last.Verdict {
		case analysis.Fail:
			return d.canaryFailed(ctx, env, req, dep, lock, label, last)
		case analysis.Inconclusive:
			if !run.unjudged {
				// Nothing changed yet: the canary stays held as it was.
				return Result{}, unjudgedRefusal(dep, label, last)
			}
			note = d.unjudgedNote(label, last)
			d.say("warning: %s", note)
		}
	}
	for i := from; i < len(steps); i++ {
		s := steps[i]
		label := stepLabel(i+1, len(steps), s.Weight)
		if err := c.Shift(ctx, req, replicas, s.Weight); err != nil {
			return d.canaryInterrupted(ctx, env, req, dep, label, fmt.Errorf("sending it %s: %w", share(c, req, s.Weight), err))
		}
		began := time.Now().UTC()
		rec := dep
		rec.ID, rec.Outcome, rec.Reason, rec.FinishedAt = 0, ledger.OutcomeStep, note, began
		note = "" // said once, on the record after the step that went on unjudged
		rec.Canary = &ledger.CanaryProgress{Step: i + 1, Steps: len(steps), Weight: s.Weight, Held: run.hold}
		if !run.hold {
			rec.Canary.Until = began.Add(s.Pause)
		}
		rec.Analysis = last.Measurements
		if _, err := d.Store.AppendDeployment(context.WithoutCancel(ctx), rec); err != nil {
			return d.canaryAborted(ctx, env, req, dep, label, fmt.Errorf("recording the step: %w", err))
		}
		what := fmt.Sprintf("%s@%s", dep.Image, dep.Version)
		if run.hold {
			progress.Stepf(d.Progress, progress.Canary, "step %d/%d: %s to %s, held", i+1, len(steps), share(c, req, s.Weight), what)
			return Result{Deployment: rec, Replicas: replicas, Canary: rec.Canary}, nil
		}
		progress.Mark(d.Progress, progress.Step{Kind: progress.Canary, Begins: true, Period: s.Pause, What: what},
			"step %d/%d: %s to %s for %s", i+1, len(steps), share(c, req, s.Weight), what, s.Pause)
		last, err = d.pause(ctx, c, req, replicas, dep.Previous, began, s.Pause)
		if err != nil {
			return d.canaryInterrupted(ctx, env, req, dep, label, err)
		}
		if last.Verdict != analysis.Pass {
			return d.canaryFailed(ctx, env, req, dep, lock, label, last)
		}
	}
	if err := c.Shift(ctx, req, replicas, 100); err != nil {
		return d.canaryInterrupted(ctx, env, req, dep, "the last step", fmt.Errorf("sending every request to it: %w", err))
	}
	// The target says the switch (a Switched step); the canary's steps end here.
	progress.Stepf(d.Progress, progress.Canary, "%s@%s passed its %d steps", dep.Image, dep.Version, len(steps))
	dep.Analysis = last.Measurements
	if note != "" { // the held step was the last
		dep.Reason = note
	}
	return d.finish(ctx, env, req, dep, replicas, lock)
}

// stepLabel names a step for people: "step 1/2 (10%)".
func stepLabel(step, steps, weight int) string {
	return fmt.Sprintf("step %d/%d (%d%%)", step, steps, weight)
}

// pause analyses the canary every analysis interval from began for
// period, and returns the verdict: Fail as soon as one fails; at the end,
// the last analysis's (Inconclusive with too few requests, made a
// failure by the caller). An error is the run's end (Ctrl-C).
//
// Each analysis says which of the step's looks it is, so that the looks
// together fail a good canary no more often than 1-Confidence
// (analysis.Look): the looks before the pause ends are held to a stricter
// level than the last.
func (d *Engine) pause(ctx context.Context, c targets.Canary, req targets.Request, replicas []targets.Replica, baseline string, began time.Time, period time.Duration) (analysis.Result, error) {
	interval := analysisOf(req.Target).Interval
	if interval <= 0 {
		interval = config.DefaultAnalysisInterval
	}
	end := began.Add(period)
	looks := looksIn(period, interval)
	for n := 1; ; n++ {
		wait := min(interval, time.Until(end))
		select {
		case <-ctx.Done():
			return analysis.Result{}, ctx.Err()
		case <-time.After(max(wait, 0)):
		}
		last := !time.Now().Before(end)
		res, err := d.analyse(ctx, c, req, replicas, baseline, began, lookAt(n, looks, last))
		if err != nil {
			return res, err
		}
		if res.Verdict == analysis.Fail || last {
			return res, nil
		}
	}
}

// looksIn is how many analyses a pause of period makes every interval:
// one per whole interval before its end, and one at its end.
func looksIn(period, interval time.Duration) int {
	return max(1, int((period+interval-1)/interval))
}

// lookAt is the nth analysis of a pause of looks: the last one when the
// pause has ended, whatever n is; an earlier one never counts as the last,
// even should a slow clock let it come later than looksIn counted.
func lookAt(n, looks int, last bool) analysis.Look {
	if last {
		return analysis.Look{N: looks, Of: looks}
	}
	return analysis.Look{N: min(n, looks-1), Of: looks}
}

// share names a step's share of weight percent: of requests, or, for a
// target that says the share it gave itself (targets.ShareTeller), only
// as the step's ask, since the target's line says what it really gave.
func share(c targets.Canary, req targets.Request, weight int) string {
	if t, ok := c.(targets.ShareTeller); ok && t.TellsShare(req) {
		return fmt.Sprintf("the share said above (the step asks %d%%)", weight)
	}
	return fmt.Sprintf("%d%% of requests", weight)
}
