package promote

import (
	"context"
	"fmt"
	"time"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/targets"
	"github.com/bakehq/bake/internal/version"
)

// Candidate is a release a rollback without a version walks back through
// (ledger.RollbackOrder): the one it takes is marked Default.
type Candidate struct {
	Version string    `json:"version"`
	RanAt   time.Time `json:"ran_at"` // when its deployment there finished
	By      string    `json:"by"`     // who deployed it there
	// Revoked says why a revoked release is skipped; "" when it is not.
	Revoked string `json:"revoked,omitempty"`
	Default bool   `json:"default"`
}

// maxCandidates bounds how far back a person is shown: further back is
// `bake history`, and reading it all would grow with history.
const maxCandidates = 5

// RollbackCandidates lists, nearest first, the releases a rollback of
// image in env without a version would choose from, at most a few, the
// first that is not revoked marked as the one it takes.
func RollbackCandidates(ctx context.Context, store ledger.Store, image, env string) ([]Candidate, error) {
	out := []Candidate{}
	chosen := false
	err := ledger.WalkRollbackOrder(ctx, store, image, env, func(d ledger.Deployment) (bool, error) {
		why, err := revoked(ctx, store, image, d.Version)
		if err != nil {
			return false, err
		}
		c := Candidate{Version: d.Version, RanAt: d.FinishedAt, By: d.By, Revoked: why}
		if why == "" && !chosen {
			c.Default, chosen = true, true
		}
		out = append(out, c)
		return len(out) < maxCandidates || !chosen, nil
	})
	return out, err
}

// RollbackPlan is what a rollback would do; nothing changes.
type RollbackPlan struct {
	Image   string `json:"image"`
	Env     string `json:"env"`
	Current string `json:"current"` // the version it replaces
	Target  string `json:"target"`  // the version it goes back to
	// Start says how the release comes back: "warm" (its replicas still
	// run and take traffic again), "stopped" (its stopped replicas start
	// again) or "cold" (new replicas start).
	Start      string        `json:"start,omitempty"`
	Skipped    []string      `json:"skipped,omitempty"` // revoked releases it goes past, and why
	Candidates []Candidate   `json:"candidates"`
	Unchanged  bool          `json:"unchanged"` // the environment already runs it
	Actions    *targets.Plan `json:"actions,omitempty"`
	// Aborts is the held canary the rollback aborts first; with Unchanged
	// it aborts only that: Target is the release that served before the
	// canary, which keeps serving, and nothing is rolled back.
	Aborts *PlannedAbort `json:"aborts,omitempty"`
}

// PlannedAbort is a held canary a rollback would abort.
type PlannedAbort struct {
	Version string `json:"version"`
	Step    int    `json:"step"`
	Steps   int    `json:"steps"`
	Weight  int    `json:"weight"`  // percent of requests it gets
	BackOn  string `json:"back_on"` // the release every request goes back to
}

// PlanRollback says what Rollback would do for r, changing nothing: which
// release it chooses, the one it replaces, and what the target would do;
// interrupted operations it would recover first are named on Progress.
// What Rollback would refuse, it refuses with the same error.
func (d *Engine) PlanRollback(ctx context.Context, r RollbackRequest) (RollbackPlan, error) {
	env, err := d.rollbackEnv(r)
	if err != nil {
		return RollbackPlan{}, err
	}
	wrap := func(err error) error { return fmt.Errorf("rolling back %s in %q: %w", r.Image, env.Name, err) }
	ints, _ := Interrupted(ctx, d.Store, env.Name, envImages(env))
	for _, it := range ints {
		d.say("warning: %s: a rollback recovers it first, or run `bake recover %s`", it, env.Name)
	}
	c, err := CanaryUnderWay(ctx, d.Store, r.Image, env.Name)
	if err != nil {
		return RollbackPlan{}, err
	}
	var aborts *PlannedAbort
	if c != nil && c.Held() {
		p := c.Progress()
		aborts = &PlannedAbort{Version: c.Started.Version, Step: p.Step, Steps: p.Steps, Weight: p.Weight, BackOn: c.Started.Previous}
		if r.To == "" || r.To == c.Started.Previous {
			// Rollback aborts the canary and goes no further (Rollback).
			return abortPlan(r.Image, env.Name, aborts), nil
		}
		d.say("note: %s; this rollback aborts it first, then goes on as below", c)
	}
	choice, err := ChooseRollback(ctx, d.Store, r.Image, env.Name, r.To)
	if err != nil {
		return RollbackPlan{}, wrap(err)
	}
	if err := Trust(d.Project, choice.Target); err != nil {
		return RollbackPlan{}, wrap(err)
	}
	res := RollbackPlan{Image: r.Image, Env: env.Name, Current: choice.Current.Version, Target: choice.Target.Version,
		Skipped: choice.Skipped, Candidates: []Candidate{}, Unchanged: choice.Current.Digest == choice.Target.Digest, Aborts: aborts}
	if r.To == "" {
		if res.Candidates, err = RollbackCandidates(ctx, d.Store, r.Image, env.Name); err != nil {
			return RollbackPlan{}, err
		}
	}
	if !res.Unchanged {
		if res.Actions, err = d.planActions(ctx, ledger.KindRollback, env, choice.Target, res.Current); err != nil {
			return RollbackPlan{}, err
		}
		res.Start = startOf(res.Actions)
	}
	return res, nil
}

// abortPlan is the plan of a rollback that only aborts a held canary:
// the environment keeps the release it ran before the canary.
func abortPlan(image, env string, a *PlannedAbort) RollbackPlan {
	back := orNothing(a.BackOn)
	return RollbackPlan{Image: image, Env: env, Current: a.BackOn, Target: a.BackOn, Candidates: []Candidate{}, Unchanged: true, Aborts: a,
		Actions: &targets.Plan{Strategy: config.Canary, Steps: []string{
			fmt.Sprintf("send every request back to %s at once (the canary %s@%s gets %d%%, step %d/%d, held)", back, image, a.Version, a.Weight, a.Step, a.Steps),
			fmt.Sprintf("remove the replicas of %s@%s", image, a.Version),
			fmt.Sprintf("record the canary failed, aborted by you; %q keeps running %s: nothing is rolled back", env, back),
		}}}
}

// rollbackEnv resolves and checks a rollback's environment and version.
func (d *Engine) rollbackEnv(r RollbackRequest) (*config.Environment, error) {
	env, err := d.environment(r.Env)
	if err != nil {
		return nil, err
	}
	if _, ok := env.Targets[r.Image]; !ok {
		return nil, fmt.Errorf("rolling back %s in %q: %w", r.Image, env.Name, errNoTarget(env.Name, r.Image))
	}
	if r.To != "" {
		if _, err := version.Parse(r.To); err != nil {
			return nil, err
		}
	}
	return env, nil
}

// planActions asks the target what deploying rel to env would do, with
// current the version that runs now; nil without a Planner.
func (d *Engine) planActions(ctx context.Context, kind string, env *config.Environment, rel ledger.Release, current string) (*targets.Plan, error) {
	if d.Planner == nil {
		return nil, nil
	}
	placed := d.placedIn(env, rel)
	req := targets.Request{Env: env.Name, Image: d.Project.Image(rel.Image), Target: env.Targets[rel.Image], Release: placed,
		Keep: env.Retention.Previous, Releases: env.Retention.Releases}
	if kind != ledger.KindPromote {
		req = switchAtOnce(req)
	}
	plan, err := d.Planner(ctx, req, current)
	if err != nil {
		return nil, err
	}
	if placed.Reference != rel.Reference {
		plan.Steps = append([]string{fmt.Sprintf("copy %s to %s by digest, unless it is there already", rel.Reference, placed.Reference)}, plan.Steps...)
	}
	return &plan, nil
}

// startOf says how a plan brings its release up: warm when every replica
// it needs still runs, stopped when stopped ones start again, cold when
// any has to be created.
func startOf(p *targets.Plan) string {
	switch {
	case p == nil:
		return ""
	case p.Start > 0:
		return "cold"
	case len(p.Restart) > 0:
		return "stopped"
	default:
		return "warm"
	}
}
