// Package promote moves a recorded release into an environment: policy
// gates, then a deployment through the environment's target, recorded in
// the ledger. Rollback goes through the same path.
package promote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/targets"
)

// Sentinel errors the CLI maps to exit codes.
var (
	ErrRefused = errors.New("refused by policy") // exit 3
	ErrFailed  = errors.New("deployment failed") // exit 1
)

// LockKey is the ledger lock that serialises changes to env.
func LockKey(env string) string { return ledger.EnvLockKey(env) }

// LockTTL bounds how long a crashed bake can keep an environment locked.
const LockTTL = ledger.EnvLockTTL

// Target runs releases in an environment.
type Target interface {
	Deploy(ctx context.Context, req targets.Request) ([]targets.Replica, error)
	Retire(ctx context.Context, req targets.Request, previousVersion string) error
	Watch(ctx context.Context, req targets.Request, replicas []targets.Replica, period time.Duration) error
}

// Checker is a Target that can refuse a request before anything changes
// (the asg target: the release has no AMI in its region). Execute reports
// the refusal as bad input (ErrUnknown) and records nothing.
type Checker interface {
	Check(ctx context.Context, req targets.Request) error
}

// Pointer is a Target that publishes what an environment runs after each
// successful deployment is recorded (the asg target: an SSM parameter for
// Terraform). A failure is a warning: the deployment stands.
type Pointer interface {
	Point(ctx context.Context, req targets.Request, dep ledger.Deployment) error
}

// AMILifecycle applies the project's AMI retention (deprecation time,
// deregistration protection) to an image's releases once a deployment
// switched; gc.Lifecycle does. A failure is a warning: the deployment stands.
type AMILifecycle interface {
	Apply(ctx context.Context, image string) error
}

// Engine is the promotion engine: promote, rollback and recover of the
// releases of one project, each one call (Promote, Rollback, Recover,
// Plan), sharing one deployment path (Execute).
type Engine struct {
	Project *config.Project
	Store   ledger.Store
	Target  Target
	// Planner says what a deployment would do, for Plan; nil if not needed.
	Planner Planner
	User    string // who runs bake, recorded with every deployment
	// Operation is this bake run's id: it names the run in the lock and in
	// started records, and labels what the run creates.
	Operation string
	Progress  io.Writer // may be nil
	// LockTTL is how long env's lock lasts unless renewed; 0 means LockTTL.
	// The lock is renewed every third of it while an operation runs.
	LockTTL time.Duration
	// Recorded, if set, is called with every deployment record appended.
	Recorded func(ledger.Deployment)
	// AbortDir is where `bake abort` leaves who asked the bake running a
	// canary to abort it, for that bake to say so (abortNote); "" for none.
	AbortDir string
	// Lifecycle, if set, is applied after every promote and rollback of a
	// release with AMIs that switched.
	Lifecycle AMILifecycle

	// aborting is set on the copy of the engine with which `bake abort`
	// recovers a canary whose bake stopped: it records that canary aborted.
	aborting *abortAs
}

// Result is what a deployment did.
type Result struct {
	Deployment ledger.Deployment `json:"deployment"`
	Unchanged  bool              `json:"unchanged"` // the environment already ran the release
	Replicas   []targets.Replica `json:"replicas,omitempty"`
	// Pinned is set when the deployment was a rollback: the environment
	// stays on it until `bake unpin` or a promote of an explicit version.
	Pinned bool `json:"pinned,omitempty"`
	// Unpinned is the version a pin held the environment on, when this
	// deployment ended that pin.
	Unpinned string `json:"unpinned,omitempty"`
	// Skipped lists the releases a rollback went past, and why.
	Skipped []string `json:"skipped,omitempty"`
	// Canary is where a canary stands when the promote returned with it
	// held (`--step`): Deployment is then its step record.
	Canary *ledger.CanaryProgress `json:"canary,omitempty"`
	// Aborted is set when a canary was aborted (`bake abort`, or a rollback
	// while it was held): Deployment is its failed outcome, and the
	// environment runs what it ran before.
	Aborted bool `json:"aborted,omitempty"`
}

// Execute deploys rel to env as kind under the environment's lock and
// records the outcome. If env already runs rel it changes nothing. A
// release that fails a trust gate is refused before anything is locked or
// recorded.
func (d *Engine) Execute(ctx context.Context, kind string, env *config.Environment, rel ledger.Release) (Result, error) {
	if err := Trust(d.Project, rel); err != nil {
		return Result{}, err
	}
	return d.execute(ctx, kind, env, rel, executeOptions{})
}

// executeOptions are what a promote asks of a deployment beyond its release.
type executeOptions struct {
	// check, if not nil, runs under the lock before anything changes: a
	// refusal there records nothing.
	check func() error
	// step holds a canary after each step change (`bake promote --step`).
	step bool
}

// execute is Execute for a release whose trust the caller checked.
func (d *Engine) execute(ctx context.Context, kind string, env *config.Environment, rel ledger.Release, opts executeOptions) (Result, error) {
	held, lock, release, err := d.hold(ctx, env.Name, d.holder(kind+" "+rel.Image+"@"+rel.Version))
	if err != nil {
		if errors.Is(err, ledger.ErrLocked) {
			return Result{}, fmt.Errorf("%w: retry once it has finished (`bake status` shows what runs)", err)
		}
		return Result{}, err
	}
	defer release()
	res, err := d.executeHeld(held, kind, env, rel, lock, opts)
	return res, lockLost(held, err)
}

// executeHeld is execute once env's lock is held; ctx fences its writes.
func (d *Engine) executeHeld(ctx context.Context, kind string, env *config.Environment, rel ledger.Release, lock ledger.Lock, opts executeOptions) (Result, error) {
	img := d.Project.Image(rel.Image)
	tgt := env.Targets[rel.Image]
	// A run interrupted before this one (its lock expired) is converged first.
	if err := d.recoverLocked(ctx, env, []string{rel.Image}, nil); err != nil {
		return Result{}, err
	}
	if opts.check != nil {
		if err := opts.check(); err != nil {
			return Result{}, err
		}
	}
	if held, err := d.canaryHeld(ctx, env, rel.Image); held {
		return Result{}, err
	}

	dep := ledger.Deployment{
		Env: env.Name, Image: rel.Image, Version: rel.Version, Digest: rel.Digest,
		Kind: kind, StartedAt: time.Now().UTC(), By: d.User,
	}
	current, err := d.Store.Current(ctx, rel.Image, env.Name)
	switch {
	case err == nil && current.Digest == rel.Digest:
		res := Result{Deployment: current, Unchanged: true}
		if kind == ledger.KindPromote {
			// Asking for what runs by name still ends a pin (PinChange).
			dep.Outcome = ledger.OutcomeSucceeded
			change, err := d.pinChange(ctx, dep)
			if err == nil && change != nil {
				err = d.Store.SetPin(context.WithoutCancel(ctx), *change)
			}
			if err != nil {
				return res, err
			}
			if change != nil {
				res.Unpinned = change.Version
			}
		}
		return res, nil
	case err == nil:
		dep.Previous = current.Version
	case !errors.Is(err, ledger.ErrNotFound):
		return Result{}, err
	}

	req := targets.Request{Env: env.Name, Image: img, Target: tgt, Release: rel, Keep: env.Retention.Previous,
		Releases: env.Retention.Releases}
	if c, ok := d.Target.(Checker); ok {
		if err := c.Check(ctx, req); err != nil {
			return Result{}, BadInput(err)
		}
	}
	canary := d.canaryApplies(kind, req, dep)
	if canary {
		if err := d.preflight(ctx, env, req, dep); err != nil {
			return Result{}, err
		}
	}
	// Nothing is recorded before the release is in env's registry: a copy
	// that fails changes nothing anywhere.
	placed, err := d.place(ctx, env, rel)
	if err != nil {
		return Result{}, fmt.Errorf("%w: %s@%s to %q: %w; %q still runs %s",
			ErrFailed, rel.Image, rel.Version, env.Name, err, env.Name, orNothing(dep.Previous))
	}
	if placed.Reference != rel.Reference {
		req.Release, dep.Reference = placed, placed.Reference
	}
	if canary {
		dep.Strategy = ledger.StrategyCanary
	} else {
		req = switchAtOnce(req)
	}
	if err := d.start(ctx, dep, lock); err != nil {
		return Result{}, err
	}
	if canary {
		return d.runCanary(ctx, env, req, dep, lock, canaryRun{hold: opts.step})
	}
	replicas, err := d.Target.Deploy(ctx, req)
	if err != nil {
		return d.deployFailed(ctx, env, dep, err)
	}
	return d.finish(ctx, env, req, dep, replicas, lock)
}

// deployFailed records dep failed with err, the error of deploying it,
// and returns the error that says so: what failed and what still runs.
func (d *Engine) deployFailed(ctx context.Context, env *config.Environment, dep ledger.Deployment, err error) (Result, error) {
	rel := ledger.Release{Image: dep.Image, Version: dep.Version}
	dep.FinishedAt = time.Now().UTC()
	if ctx.Err() != nil && !errors.Is(err, targets.ErrInterrupted) {
		// A cancelled engine request names its URL; say what was cut short.
		err = targets.InterruptedWhile(ctx, "starting its replicas")
	}
	// A reason is one line: the history table shows one row per deployment.
	dep.Outcome, dep.Reason = ledger.OutcomeFailed, strings.Join(strings.Fields(err.Error()), " ")
	if _, rerr := d.record(ctx, &dep); rerr != nil {
		if errors.Is(rerr, ledger.ErrLockLost) {
			return Result{}, lost(env.Name, rel, "its failure", rerr)
		}
		// Its started record stands: the next promote, rollback or
		// recover of env finds it interrupted and settles it.
		return Result{}, fmt.Errorf("%w: %s@%s to %q: %v; %q still runs %s; recording the failure failed too: %v; "+
			"the next promote or `bake recover %s` records it once the ledger answers",
			ErrFailed, rel.Image, rel.Version, env.Name, err, env.Name, orNothing(dep.Previous), rerr, env.Name)
	}
	return Result{Deployment: dep}, fmt.Errorf("%w: %s@%s to %q: %v; %q still runs %s",
		ErrFailed, rel.Image, rel.Version, env.Name, err, env.Name, orNothing(dep.Previous))
}

// finish records dep, whose release now serves on replicas, as succeeded
// with the pin change it makes, publishes it, watches its health if the
// target says so (switching back on a failure), and retires the release
// it replaced.
func (d *Engine) finish(ctx context.Context, env *config.Environment, req targets.Request, dep ledger.Deployment, replicas []targets.Replica, lock ledger.Lock) (Result, error) {
	rel, tgt, kind := req.Release, req.Target, dep.Kind
	dep.FinishedAt = time.Now().UTC()
	dep.Outcome = ledger.OutcomeSucceeded
	change, err := d.record(ctx, &dep)
	if err != nil {
		return Result{}, d.unrecorded(ctx, env, req, dep, lock, err)
	}
	d.point(ctx, req, dep)
	res := Result{Deployment: dep, Replicas: replicas}
	if change != nil {
		res.Pinned, res.Unpinned = change.Pinned, unpinned(change)
	} else if ledger.IsRollback(kind) {
		res.Pinned = true // it already was, to this release
	}
	if tgt.Watch > 0 {
		if err := d.Target.Watch(ctx, req, replicas, tgt.Watch); err != nil {
			if cause := context.Cause(ctx); errors.Is(cause, ledger.ErrLockLost) {
				// Retiring or switching back would undo the new holder's work.
				return res, fmt.Errorf("%s@%s in %q serves and is recorded as serving; its health watch stopped: %w",
					rel.Image, rel.Version, env.Name, cause)
			}
			if ctx.Err() != nil {
				return res, d.watchInterrupted(ctx, req, dep)
			}
			return d.revert(ctx, env, req, dep, lock, err)
		}
	}
	if err := d.Target.Retire(ctx, req, dep.Previous); err != nil {
		d.say("warning: retiring old replicas: %v", err)
	}
	d.amiLifecycle(ctx, rel)
	return res, nil
}

// amiLifecycle applies the AMI retention after rel, an AMI release,
// switched: a failure is one warning line.
func (d *Engine) amiLifecycle(ctx context.Context, rel ledger.Release) {
	if d.Lifecycle == nil || len(rel.AMIs) == 0 {
		return
	}
	if err := d.Lifecycle.Apply(context.WithoutCancel(ctx), rel.Image); err != nil {
		d.say("warning: %v; the deployment stands, and the next promote, rollback or gc applies the AMI retention again", err)
	}
}

// start records the intent of dep before anything changes: a started
// record naming this run (the lock's holder), so that if bake dies before
// recording the outcome the next bake knows what was interrupted.
func (d *Engine) start(ctx context.Context, dep ledger.Deployment, lock ledger.Lock) error {
	dep.Outcome, dep.Reason, dep.FinishedAt = ledger.OutcomeStarted, lock.Holder, time.Time{}
	if _, err := d.Store.AppendDeployment(context.WithoutCancel(ctx), dep); err != nil {
		return fmt.Errorf("recording the start of %s %s@%s in %q: %w", dep.Kind, dep.Image, dep.Version, dep.Env, err)
	}
	return nil
}

// record records the outcome dep and the pin change it makes
// (PinChange) in one write, sets dep.ID, tells Recorded about it, and
// returns the pin change, nil if none.
func (d *Engine) record(ctx context.Context, dep *ledger.Deployment) (*ledger.Pin, error) {
	change, err := d.pinChange(ctx, *dep)
	if err != nil {
		return nil, err
	}
	id, err := d.Store.RecordDeployment(context.WithoutCancel(ctx), *dep, change)
	if err != nil {
		return nil, err
	}
	dep.ID = id
	if d.Recorded != nil {
		d.Recorded(*dep)
	}
	return change, nil
}

// point has the target publish what env runs now, if it does.
func (d *Engine) point(ctx context.Context, req targets.Request, dep ledger.Deployment) {
	if p, ok := d.Target.(Pointer); ok {
		if err := p.Point(context.WithoutCancel(ctx), req, dep); err != nil {
			d.say("warning: %v", err)
		}
	}
}

// holder names this run as the holder of an environment's lock, doing what.
func (d *Engine) holder(what string) string {
	return newHolder(d.User, d.Operation, what).String()
}

func (d *Engine) say(format string, args ...any) { progress.Say(d.Progress, format, args...) }

func orNothing(v string) string {
	if v == "" {
		return "nothing"
	}
	return v
}
