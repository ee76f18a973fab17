package cli

import (
	"context"
	"slices"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/frontdoor"
	"github.com/bakehq/bake/internal/target"
	"github.com/bakehq/bake/internal/target/asg"
)

// liveView reads what actually runs: replicas from the engine and upstreams
// from the front door. Either may be unreachable; status then shows the
// record alone.
type liveView struct {
	docker *target.Docker
	caddy  *frontdoor.Caddy
	asg    *asg.Target // nil without asg targets, or without an AWS region
}

func (f *Factory) liveView(ctx context.Context, p *config.Project) liveView {
	var lv liveView
	if eng, err := engine.Connect(ctx); err == nil {
		lv.docker = &target.Docker{Engine: eng, Project: p.Name}
	}
	lv.caddy = &frontdoor.Caddy{Admin: p.FrontDoor.Admin}
	if slices.Contains(targetTypes(p), config.TargetASG) {
		if c, err := f.AWS(ctx); err == nil {
			lv.asg = asg.New(c, p.Name, f.Operation, nil)
		}
	}
	return lv
}

func (lv liveView) fill(ctx context.Context, es *envStatus, env, image string) {
	if lv.docker == nil {
		return
	}
	if rs, err := lv.docker.Replicas(ctx, env, image); err == nil && rs != nil {
		es.Replicas = rs
	}
	if ups, err := lv.caddy.Upstreams(ctx, lv.docker.RouteID(env, image)); err == nil && ups != nil {
		es.Upstreams = ups
	}
}
