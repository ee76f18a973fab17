package target

import (
	"context"
	"fmt"

	"github.com/bakehq/bake/internal/config"
)

// Plan is what a deployment would do, computed from what runs now.
type Plan struct {
	Strategy string   `json:"strategy"` // config.BlueGreen or config.Rolling
	Reuse    []string `json:"reuse"`    // replicas of the release still running out of traffic (kept warm)
	Restart  []string `json:"restart"`  // stopped replicas of the release, started again
	Start    int      `json:"start"`    // new replicas to create
	Switch   string   `json:"switch"`   // the front door that moves to them
	Keep     string   `json:"keep"`     // what happens to the replaced release: warm, stopped or removed
	Warm     []string `json:"warm"`     // replicas of the replaced release, kept running out of traffic
	Stop     []string `json:"stop"`     // replicas of the replaced release, kept stopped for rollback
	Remove   []string `json:"remove"`   // replicas of older releases (and of the replaced one, with removed)
	// Group is the Auto Scaling group that will serve (asg targets, whose
	// lists name groups, not replicas).
	Group string `json:"group,omitempty"`
}

// Plan says what Deploy and Retire would do for req, changing nothing.
func (d *Docker) Plan(ctx context.Context, req Request, previousVersion string) (Plan, error) {
	all, err := d.replicas(ctx, req.Env, req.Image.Name)
	if err != nil {
		return Plan{}, err
	}
	p := Plan{Strategy: req.Target.Strategy, Keep: req.Keep, Reuse: []string{}, Restart: []string{}, Warm: []string{},
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
	return p, nil
}
