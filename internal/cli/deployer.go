package cli

import (
	"context"
	"path/filepath"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/frontdoor"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/targets"
)

// promoter builds the promotion engine on a router with a target for each
// target type the project's environments use: a project with only asg
// targets never needs the Docker engine, and one with only docker targets
// never needs AWS.
func (f *Factory) promoter(ctx context.Context, p *config.Project) (*promote.Engine, error) {
	store, err := f.Store(ctx)
	if err != nil {
		return nil, err
	}
	router, err := targets.Open(ctx, targets.Types(p), f.targetDeps(p, true))
	if err != nil {
		return nil, err
	}
	f.targets = router
	plan := func(ctx context.Context, req targets.Request, current string) (targets.Plan, error) {
		if err := router.Check(ctx, req); err != nil {
			return targets.Plan{}, promote.BadInput(err)
		}
		return router.Plan(ctx, req, current)
	}
	eng := &promote.Engine{Project: p, Store: store, Target: router, Planner: plan, User: f.User(), Operation: f.Operation,
		Progress: f.Progress(), Recorded: f.notifyDeployment, AbortDir: filepath.Join(filepath.Dir(frontdoor.UserStateDir()), "aborts")}
	if p.Retention.Lifecycle() {
		eng.Lifecycle = f.amiLifecycle(p, store)
	}
	return eng, nil
}

// targetDeps are the clients target types build themselves from. A target
// that deploys reports its steps and starts the front door if it is not
// running; one that only reads what runs starts nothing.
func (f *Factory) targetDeps(p *config.Project, deploy bool) targets.Deps {
	d := targets.Deps{Project: p.Name, Operation: f.Operation, Engine: f.Engine, AWS: f.AWS, FrontDoor: f.FrontDoor,
		Kubernetes: f.Kubernetes}
	if deploy {
		d.Progress = f.Progress()
	} else {
		d.FrontDoor = func(context.Context) (*frontdoor.Caddy, error) {
			return &frontdoor.Caddy{StateDir: frontdoor.UserStateDir()}, nil
		}
	}
	return d
}

// servesAt says where a target serves, for the line after a deployment.
func (f *Factory) servesAt(t *config.Target) string {
	return "serving " + f.targets.Serves(t)
}

// liveTargets reads what runs on each of the project's target types
// without starting anything; a type whose clients cannot be reached (the
// Docker engine, AWS) is kept with why.
type liveTargets struct {
	router targets.Router
	errs   map[string]error
	types  []string
}

func (f *Factory) liveTargets(ctx context.Context, p *config.Project) *liveTargets {
	lt := &liveTargets{router: targets.Router{}, errs: map[string]error{}, types: targets.Types(p)}
	d := f.targetDeps(p, false)
	for _, typ := range lt.types {
		t, err := targets.New(ctx, typ, d)
		if err != nil {
			lt.errs[typ] = err
			continue
		}
		lt.router[typ] = t
	}
	return lt
}

// observe reads what runs for one image in one environment and compares
// it with the record; the error says why what runs could not be read.
func (lt *liveTargets) observe(ctx context.Context, o targets.Observation) (targets.State, error) {
	if err := lt.errs[targets.TypeOf(o.Target)]; err != nil {
		return targets.State{}, err
	}
	return lt.router.Observe(ctx, o)
}
