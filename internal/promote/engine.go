package promote

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/targets"
	"github.com/bakehq/bake/internal/version"
)

// Planner says what deploying req would do, given the version that runs
// now ("" if none); a refusal by the target wraps ErrUnknown.
type Planner func(ctx context.Context, req targets.Request, current string) (targets.Plan, error)

// PromoteRequest asks for a release to enter an environment: Image@Version,
// or with From what From runs now.
type PromoteRequest struct {
	Image   string
	Version string // "" with From
	From    string
	To      string
	// Step holds a canary after each step change, until `bake promote
	// --continue` or `bake abort`; other strategies ignore it.
	Step bool
}

// RollbackRequest asks for an environment to go back to its previous good
// release (RollbackOrder), or to version To.
type RollbackRequest struct {
	Image string
	Env   string
	To    string
}

// Promote deploys a release to an environment: it converges the
// environment after interrupted operations first, checks every gate (with
// From, that the environment is not pinned, asked again under the
// environment's lock) and trust once, deploys, and records the outcome
// with the pin change it makes (PinChange). A refusal names every unmet
// gate and records nothing.
func (d *Engine) Promote(ctx context.Context, r PromoteRequest) (Result, error) {
	env, rel, err := d.promoteRequest(ctx, r)
	if err != nil {
		return Result{}, err
	}
	wrap := func(err error) error {
		var untrusted *UntrustedError
		if err == nil || errors.As(err, &untrusted) {
			return err // "refusing IMAGE@VERSION: why" says it all
		}
		return fmt.Errorf("promoting %s@%s to %q: %w", rel.Image, rel.Version, env.Name, err)
	}
	if err := d.recoverFirst(ctx, env); err != nil {
		return Result{}, wrap(err)
	}
	// Trust is checked once, and refused on its own, before the other gates.
	if err := Trust(d.Project, rel); err != nil {
		return Result{}, err
	}
	gates, err := d.gates(ctx, rel, env.Name, r.From != "", false)
	if err != nil {
		return Result{}, wrap(err)
	}
	if unmet := unmetGates(gates); unmet != "" {
		return Result{}, wrap(fmt.Errorf("%w: %s", ErrRefused, unmet))
	}
	// Someone may have locked env since, or a rollback pinned it: asked
	// again under the environment's lock.
	check := func() error {
		if err := checkGate(FreezeGate(ctx, d.Store, env.Name)); err != nil || r.From == "" {
			return err
		}
		return checkGate(PinGate(ctx, d.Store, rel.Image, env.Name))
	}
	d.say("promoting %s@%s (%s) to %q", rel.Image, rel.Version, shortDigest(rel.Digest), env.Name)
	res, err := d.execute(ctx, ledger.KindPromote, env, rel, executeOptions{check: check, step: r.Step})
	if errors.Is(err, ErrRefused) || errors.Is(err, ledger.ErrLocked) {
		return res, wrap(err)
	}
	return res, err
}

// Rollback deploys the previous good release of an environment (or
// version To, which must have run there), never a revoked one: it
// converges the environment after interrupted operations first, chooses
// the release from the record (ChooseRollback), checks trust once,
// deploys, and records the outcome with the pin it makes.
func (d *Engine) Rollback(ctx context.Context, r RollbackRequest) (Result, error) {
	env, err := d.rollbackEnv(r)
	if err != nil {
		return Result{}, err
	}
	wrap := func(err error) error { return fmt.Errorf("rolling back %s in %q: %w", r.Image, env.Name, err) }
	if err := d.recoverFirst(ctx, env); err != nil {
		return Result{}, wrap(err)
	}
	// A held canary is what a person rolls back from: it is aborted, and
	// the environment stays on the release it ran (or goes on to To).
	aborted, err := d.abortCanary(ctx, env, r.Image, "aborted by "+d.User+" (`bake rollback`)")
	if err != nil {
		return Result{}, wrap(err)
	}
	if aborted != nil && (r.To == "" || r.To == aborted.Deployment.Previous) {
		return *aborted, nil
	}
	choice, err := ChooseRollback(ctx, d.Store, r.Image, env.Name, r.To)
	if err != nil {
		return Result{}, wrap(err)
	}
	for _, s := range choice.Skipped {
		d.say("skipping %s@%s", r.Image, s)
	}
	if err := Trust(d.Project, choice.Target); err != nil { // the one trust check of a rollback
		return Result{}, wrap(err)
	}
	if choice.Current.Digest != choice.Target.Digest {
		d.say("rolling back %s in %q from %s to %s", r.Image, env.Name, choice.Current.Version, choice.Target.Version)
	}
	res, err := d.execute(ctx, ledger.KindRollback, env, choice.Target, executeOptions{})
	res.Skipped = choice.Skipped
	if errors.Is(err, ledger.ErrLocked) {
		return res, wrap(err)
	}
	return res, err
}

// RecoverRequest names the environment to converge, and the image ("" for
// every image the environment runs).
type RecoverRequest struct {
	Env   string
	Image string
}

// Recover finishes or undoes the interrupted operations in an environment
// (RecoverImages), and returns the images it looked at.
func (d *Engine) Recover(ctx context.Context, r RecoverRequest) ([]Recovery, []string, error) {
	env, err := d.environment(r.Env)
	if err != nil {
		return nil, nil, err
	}
	images := envImages(env)
	if r.Image != "" {
		if d.Project.Image(r.Image) == nil {
			return nil, nil, fmt.Errorf("%w image %q: bake.yaml does not define it", ErrUnknown, r.Image)
		}
		if env.Targets[r.Image] == nil {
			return nil, nil, fmt.Errorf("recovering %s in %q: %w", r.Image, env.Name, errNoTarget(env.Name, r.Image))
		}
		images = []string{r.Image}
	}
	recs, err := d.RecoverImages(ctx, env, images)
	if err == nil {
		// What no interruption explains, but the target shows (traffic not
		// on the recorded release), is put right too.
		var rest []string
		for _, image := range images {
			if !slices.ContainsFunc(recs, func(r Recovery) bool { return r.Interruption.Image == image }) {
				rest = append(rest, image)
			}
		}
		var repaired []Recovery
		repaired, err = d.repairTraffic(ctx, env, rest)
		recs = append(recs, repaired...)
	}
	if errors.Is(err, ErrUnderWay) {
		return recs, images, fmt.Errorf("recovering %q: %w: wait for it to finish", env.Name, err)
	}
	return recs, images, err
}

// PlanResult is what a promote would check and do; nothing changes.
type PlanResult struct {
	Release   string        `json:"release"`
	Env       string        `json:"env"`
	Current   string        `json:"current,omitempty"` // what the environment runs now
	Gates     []Gate        `json:"gates"`
	Allowed   bool          `json:"allowed"`
	Unchanged bool          `json:"unchanged"` // the environment already runs it
	Actions   *targets.Plan `json:"actions,omitempty"`
}

// Plan evaluates what Promote would check and asks the target what it
// would do, changing nothing; interrupted operations it would recover
// first are named on Progress. When a gate is unmet it returns the plan
// and an error wrapping ErrRefused.
func (d *Engine) Plan(ctx context.Context, r PromoteRequest) (PlanResult, error) {
	env, rel, err := d.promoteRequest(ctx, r)
	if err != nil {
		return PlanResult{}, err
	}
	ints, _ := Interrupted(ctx, d.Store, env.Name, envImages(env))
	for _, it := range ints {
		d.say("warning: %s: a promote or rollback recovers it first, or run `bake recover %s`", it, env.Name)
	}
	gates, err := d.gates(ctx, rel, env.Name, r.From != "", true)
	if err != nil {
		return PlanResult{}, err
	}
	if g, err := canaryHeldGate(ctx, d.Store, rel.Image, env.Name); err != nil || g != nil {
		if err != nil {
			return PlanResult{}, err
		}
		gates = append(gates, *g)
	}
	res := PlanResult{Release: rel.Image + "@" + rel.Version, Env: env.Name, Gates: gates, Allowed: unmetGates(gates) == ""}
	cur, err := d.Store.Current(ctx, rel.Image, env.Name)
	switch {
	case err == nil:
		res.Current, res.Unchanged = cur.Version, cur.Digest == rel.Digest
	case !errors.Is(err, ledger.ErrNotFound):
		return PlanResult{}, err
	}
	if !res.Unchanged {
		if res.Actions, err = d.planActions(ctx, ledger.KindPromote, env, rel, res.Current); err != nil {
			return PlanResult{}, err
		}
	}
	if !res.Allowed {
		return res, fmt.Errorf("%w: %s may not enter %q yet: %s", ErrRefused, res.Release, env.Name, unmetGates(gates))
	}
	return res, nil
}

// promoteRequest resolves a promote's environment and release.
func (d *Engine) promoteRequest(ctx context.Context, r PromoteRequest) (*config.Environment, ledger.Release, error) {
	if d.Project.Image(r.Image) == nil {
		return nil, ledger.Release{}, fmt.Errorf("%w image %q: bake.yaml does not define it", ErrUnknown, r.Image)
	}
	env, err := d.environment(r.To)
	if err != nil {
		return nil, ledger.Release{}, err
	}
	v := r.Version
	if r.From != "" {
		if err := d.forward(r.Image, r.From, env.Name); err != nil {
			return nil, ledger.Release{}, err
		}
		cur, err := d.Store.Current(ctx, r.Image, r.From)
		if errors.Is(err, ledger.ErrNotFound) {
			return nil, ledger.Release{}, fmt.Errorf("%w: %q runs no release of %s to promote", ErrRefused, r.From, r.Image)
		}
		if err != nil {
			return nil, ledger.Release{}, err
		}
		v = cur.Version
	} else if _, err := version.Parse(v); err != nil {
		return nil, ledger.Release{}, err
	}
	rel, err := d.Store.Release(ctx, r.Image, v)
	if err != nil {
		return nil, ledger.Release{}, ledger.NotRecorded(r.Image, v, err)
	}
	if _, ok := env.Targets[rel.Image]; !ok {
		return nil, ledger.Release{}, errNoTarget(env.Name, rel.Image)
	}
	return env, rel, nil
}

// gates evaluates every gate of env for rel, that env is not locked (`bake
// lock`) and, with fromEnv (promote --from), that env is not pinned.
// Without withTrust the trust gates are left out: Execute applies them, once.
func (d *Engine) gates(ctx context.Context, rel ledger.Release, env string, fromEnv, withTrust bool) ([]Gate, error) {
	gates, err := gates(ctx, d.Project, d.Store, rel, env, withTrust)
	if err != nil {
		return nil, err
	}
	freeze, err := FreezeGate(ctx, d.Store, env)
	if err != nil {
		return nil, err
	}
	gates = append(gates, freeze)
	if !fromEnv {
		return gates, nil
	}
	g, err := PinGate(ctx, d.Store, rel.Image, env)
	if err != nil {
		return nil, err
	}
	return append(gates, g), nil
}

// unmetGates names every unmet gate with why, "" when all are met.
func unmetGates(gates []Gate) string {
	var unmet []string
	for _, g := range gates {
		if !g.Passed {
			unmet = append(unmet, g.Name+": "+g.Detail)
		}
	}
	return strings.Join(unmet, "; ")
}

// recoverFirst converges env after interrupted operations before a
// promote or rollback decides anything from its record. An operation under
// way is left to the deployment's own lock, which refuses; one the target
// cannot recover is recorded as failed and reported, and the deployment
// goes on (it replaces what runs anyway).
func (d *Engine) recoverFirst(ctx context.Context, env *config.Environment) error {
	_, err := d.RecoverImages(ctx, env, envImages(env))
	switch {
	case errors.Is(err, ErrUnderWay):
		return nil
	case errors.Is(err, ErrNotRecovered):
		d.say("warning: %v", err)
		return nil
	}
	return err
}

// environment returns the environment named by the user.
func (d *Engine) environment(name string) (*config.Environment, error) {
	e, _ := d.Project.Environment(name)
	if e == nil {
		return nil, fmt.Errorf("%w environment %q: %s defines %s", ErrUnknown, name, orNothing(d.Project.File), envNames(d.Project))
	}
	return e, nil
}

// forward checks that promoting from one environment to another moves a
// release forward along bake.yaml's order (dev, qa, prod): the same
// environment would change nothing, and a later environment's release going
// back to an earlier one is a rollback in disguise that skips its gates, so
// both are bad input with the command that says what was meant.
func (d *Engine) forward(image, from, to string) error {
	if _, err := d.environment(from); err != nil {
		return err
	}
	_, fi := d.Project.Environment(from)
	_, ti := d.Project.Environment(to)
	if fi == ti {
		return BadInput(fmt.Errorf("--from %q and --to %q are the same environment: promote moves a release from one environment to the next", from, to))
	}
	if fi > ti {
		return BadInput(fmt.Errorf("--from %q comes after --to %q in bake.yaml: promote moves releases forward only; "+
			"to deploy an earlier release run `bake promote %s@VERSION --to %s` or `bake rollback %s --env %s`", from, to, image, to, image, to))
	}
	return nil
}

func errNoTarget(env, image string) error {
	return BadInput(fmt.Errorf("environment %q has no target for %s in bake.yaml", env, image))
}

// envImages lists the images env has targets for, by name.
func envImages(env *config.Environment) []string {
	images := make([]string, 0, len(env.Targets))
	for name := range env.Targets {
		images = append(images, name)
	}
	slices.Sort(images)
	return images
}

func shortDigest(dg string) string {
	if len(dg) > 19 {
		return dg[:19]
	}
	return dg
}

// Proposal is what a promote would change, for a person asked to confirm it.
type Proposal struct {
	Release ledger.Release
	Current string // the version To runs now, "" if none
}

// Propose resolves r (the release, what From runs) and what it replaces,
// without checking gates or changing anything, so a question can name them.
func (d *Engine) Propose(ctx context.Context, r PromoteRequest) (Proposal, error) {
	env, rel, err := d.promoteRequest(ctx, r)
	if err != nil {
		return Proposal{}, err
	}
	cur, err := d.Store.Current(ctx, rel.Image, env.Name)
	if err != nil && !errors.Is(err, ledger.ErrNotFound) {
		return Proposal{}, err
	}
	return Proposal{Release: rel, Current: cur.Version}, nil
}
