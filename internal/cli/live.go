package cli

import (
	"context"
	"errors"
	"slices"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/frontdoor"
	"github.com/bakehq/bake/internal/targets/asg"
	"github.com/bakehq/bake/internal/targets/docker"
)

// liveView reads what actually runs: replicas from the engine and upstreams
// from the front door. Either may be unreachable; status then shows the
// record alone and says why the live state is missing.
type liveView struct {
	docker *docker.Docker
	caddy  *frontdoor.Caddy
	asg    *asg.Target // nil without asg targets, or without an AWS region

	engineErr error // why the engine could not be reached
	awsErr    error // why AWS could not be reached
}

func (f *Factory) liveView(ctx context.Context, p *config.Project) *liveView {
	lv := &liveView{}
	if eng, err := engine.Connect(ctx); err == nil {
		lv.docker = &docker.Docker{Engine: eng, Project: p.Name}
	} else {
		lv.engineErr = err
	}
	lv.caddy = &frontdoor.Caddy{StateDir: stateDir("caddy")}
	if slices.Contains(targetTypes(p), config.TargetASG) {
		if c, err := f.AWS(ctx); err == nil {
			lv.asg = asg.New(c, p.Name, f.Operation, nil)
		} else {
			lv.awsErr = err
		}
	}
	return lv
}

// fill reads the replicas of image in env and its front door's upstreams.
// It returns why what runs could not be read: nil when it was.
func (lv *liveView) fill(ctx context.Context, es *envStatus, env, image string) error {
	if lv.docker == nil {
		return lv.engineErr
	}
	rs, err := lv.docker.Replicas(ctx, env, image)
	if err != nil {
		return err
	}
	if rs != nil {
		es.Replicas = rs
	}
	ups, err := lv.caddy.Upstreams(ctx, lv.docker.RouteID(env, image))
	switch {
	case errors.Is(err, frontdoor.ErrNoRoute):
		// Nothing routed yet: no upstreams is what runs.
	case err != nil && es.Version == "" && len(es.Replicas) == 0:
		// Nothing deployed and nothing running: no front door is expected
		// (bake starts it with the first promote).
	case err != nil:
		return err
	case ups != nil:
		es.Upstreams = ups
	}
	return nil
}
