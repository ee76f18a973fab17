package targets

import (
	"context"
	"fmt"
	"time"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
)

// Router sends each request to the target of its environment's target
// type, and answers the optional capabilities (Check, Point, Inspect,
// Recover) alike for every type: a type without one checks nothing,
// publishes nothing, and cannot recover (ErrNoRecovery).
type Router map[string]Target

func (r Router) target(t *config.Target, image, env string) (Target, error) {
	typ := TypeOf(t)
	run, ok := r[typ]
	if !ok {
		return nil, fmt.Errorf("no %s target to run %s in %q", typ, image, env)
	}
	return run, nil
}

func (r Router) runner(req Request) (Target, error) {
	return r.target(req.Target, req.Image.Name, req.Env)
}

// Deploy deploys through req's target.
func (r Router) Deploy(ctx context.Context, req Request) ([]Replica, error) {
	run, err := r.runner(req)
	if err != nil {
		return nil, err
	}
	return run.Deploy(ctx, req)
}

// Retire retires through req's target.
func (r Router) Retire(ctx context.Context, req Request, previousVersion string) error {
	run, err := r.runner(req)
	if err != nil {
		return err
	}
	return run.Retire(ctx, req, previousVersion)
}

// Watch watches through req's target.
func (r Router) Watch(ctx context.Context, req Request, replicas []Replica, period time.Duration) error {
	run, err := r.runner(req)
	if err != nil {
		return err
	}
	return run.Watch(ctx, req, replicas, period)
}

// Plan asks req's target what deploying req would do.
func (r Router) Plan(ctx context.Context, req Request, previousVersion string) (Plan, error) {
	run, err := r.runner(req)
	if err != nil {
		return Plan{}, err
	}
	return run.Plan(ctx, req, previousVersion)
}

// Observe reads what runs through o's target.
func (r Router) Observe(ctx context.Context, o Observation) (State, error) {
	run, err := r.target(o.Target, o.Image, o.Env)
	if err != nil {
		return State{}, err
	}
	return run.Observe(ctx, o)
}

// Serves says where t serves.
func (r Router) Serves(t *config.Target) string {
	if run, ok := r[TypeOf(t)]; ok {
		return run.Serves(t)
	}
	return "on a " + TypeOf(t) + " target"
}

// Check asks req's target whether it can run req at all, if it can tell.
func (r Router) Check(ctx context.Context, req Request) error {
	run, err := r.runner(req)
	if err != nil {
		return err
	}
	if c, ok := run.(Checker); ok {
		return c.Check(ctx, req)
	}
	return nil
}

// Point has req's target publish what the environment runs, if it does.
func (r Router) Point(ctx context.Context, req Request, dep ledger.Deployment) error {
	run, err := r.runner(req)
	if err != nil {
		return err
	}
	if p, ok := run.(Pointer); ok {
		return p.Point(ctx, req, dep)
	}
	return nil
}

// Inspect reads what runs through req's target; ErrNoRecovery if it cannot tell.
func (r Router) Inspect(ctx context.Context, req Request) (Live, error) {
	run, err := r.runner(req)
	if err != nil {
		return Live{}, err
	}
	if i, ok := run.(Recoverer); ok {
		return i.Inspect(ctx, req)
	}
	return Live{}, fmt.Errorf("%s in %q: %w", req.Image.Name, req.Env, ErrNoRecovery)
}

// Recover converges req's target after an interrupted deployment;
// ErrNoRecovery if it cannot.
func (r Router) Recover(ctx context.Context, rec Recovery) (Recovered, error) {
	run, err := r.runner(rec.Request)
	if err != nil {
		return Recovered{}, err
	}
	if c, ok := run.(Recoverer); ok {
		return c.Recover(ctx, rec)
	}
	return Recovered{}, fmt.Errorf("%s in %q: %w", rec.Image.Name, rec.Env, ErrNoRecovery)
}
