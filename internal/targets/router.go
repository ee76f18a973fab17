package targets

import (
	"context"
	"fmt"
	"time"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
)

// Runner is a target of one type: what promote.Target asks of a target.
type Runner interface {
	Deploy(ctx context.Context, req Request) ([]Replica, error)
	Retire(ctx context.Context, req Request, previousVersion string) error
	Watch(ctx context.Context, req Request, replicas []Replica, period time.Duration) error
}

// Router sends each request to the target of its environment's target type
// (config.TargetDocker, config.TargetASG); an empty type is docker. It
// passes on the optional Check and Point of the targets that have them.
type Router map[string]Runner

func (r Router) runner(req Request) (Runner, error) {
	typ := config.TargetDocker
	if req.Target != nil && req.Target.Type != "" {
		typ = req.Target.Type
	}
	run, ok := r[typ]
	if !ok {
		return nil, fmt.Errorf("no %s target to run %s in %q", typ, req.Image.Name, req.Env)
	}
	return run, nil
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

// Check asks req's target whether it can run req at all, if it can tell.
func (r Router) Check(ctx context.Context, req Request) error {
	run, err := r.runner(req)
	if err != nil {
		return err
	}
	if c, ok := run.(interface {
		Check(context.Context, Request) error
	}); ok {
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
	if p, ok := run.(interface {
		Point(context.Context, Request, ledger.Deployment) error
	}); ok {
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
	if i, ok := run.(interface {
		Inspect(context.Context, Request) (Live, error)
	}); ok {
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
	if c, ok := run.(interface {
		Recover(context.Context, Recovery) (Recovered, error)
	}); ok {
		return c.Recover(ctx, rec)
	}
	return Recovered{}, fmt.Errorf("%s in %q: %w", rec.Image.Name, rec.Env, ErrNoRecovery)
}
