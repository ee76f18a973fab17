package cli

import (
	"context"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/target"
)

// deployer builds the promote/rollback executor on the docker target.
func (f *Factory) deployer(ctx context.Context, p *config.Project) (*promote.Deployer, error) {
	store, err := f.Store(ctx)
	if err != nil {
		return nil, err
	}
	eng, err := f.Engine(ctx)
	if err != nil {
		return nil, err
	}
	fd, err := f.FrontDoor(ctx)
	if err != nil {
		return nil, err
	}
	tgt := &target.Docker{Engine: eng, FrontDoor: fd, Project: p.Name, Operation: f.Operation, Progress: f.Progress()}
	return &promote.Deployer{Project: p, Store: store, Target: tgt, User: f.User(), Progress: f.Progress(),
		Recorded: f.notifyDeployment}, nil
}
