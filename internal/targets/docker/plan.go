package docker

import (
	"context"
	"fmt"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/targets"
)

// Plan says what Deploy and Retire would do for req, changing nothing.
func (d *Target) Plan(ctx context.Context, req targets.Request, previousVersion string) (targets.Plan, error) {
	all, err := d.replicas(ctx, req.Env, req.Image.Name)
	if err != nil {
		return targets.Plan{}, err
	}
	p := targets.Plan{Strategy: req.Target.Strategy, Keep: req.Keep, Reuse: []string{}, Restart: []string{}, Warm: []string{},
		Stop: []string{}, Remove: []string{}, Switch: fmt.Sprintf("http://%s", req.Target.Listen)}
	reuse := 0
	for _, r := range all {
		switch {
		case r.Digest == req.Release.Digest:
			if reuse == req.Target.Replicas {
				continue
			}
			if r.Running && r.Upstream != "" {
				p.Reuse = append(p.Reuse, r.Name)
				reuse++
			} else if !r.Running {
				p.Restart = append(p.Restart, r.Name)
				reuse++
			}
		case r.Version == previousVersion && req.Keep == config.KeepWarm:
			if r.Running {
				p.Warm = append(p.Warm, r.Name)
			}
		case r.Version == previousVersion && req.Keep != config.KeepRemoved:
			if r.Running {
				p.Stop = append(p.Stop, r.Name)
			}
		default:
			p.Remove = append(p.Remove, r.Name)
		}
	}
	p.Start = req.Target.Replicas - reuse
	if req.Target.Strategy == config.Canary {
		p.Steps = canaryPlanSteps(p, req, previousVersion)
	} else {
		p.Steps = planSteps(p, req, previousVersion)
	}
	return p, nil
}
