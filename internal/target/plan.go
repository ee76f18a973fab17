package target

import (
	"context"
	"fmt"
)

// Plan is what a deployment would do, computed from what runs now.
type Plan struct {
	Restart []string `json:"restart"` // stopped replicas of the release, started again
	Start   int      `json:"start"`   // new replicas to create
	Switch  string   `json:"switch"`  // the front door that moves to them
	Stop    []string `json:"stop"`    // replicas of the replaced release, kept stopped for rollback
	Remove  []string `json:"remove"`  // replicas of older releases
}

// Plan says what Deploy and Retire would do for req, changing nothing.
func (d *Docker) Plan(ctx context.Context, req Request, previousVersion string) (Plan, error) {
	all, err := d.replicas(ctx, req.Env, req.Image.Name)
	if err != nil {
		return Plan{}, err
	}
	p := Plan{Restart: []string{}, Stop: []string{}, Remove: []string{},
		Switch: fmt.Sprintf("http://%s", req.Target.Listen)}
	reuse := 0
	for _, r := range all {
		switch {
		case r.Digest == req.Release.Digest:
			if !r.Running && reuse < req.Target.Replicas {
				p.Restart = append(p.Restart, r.Name)
				reuse++
			}
		case r.Version == previousVersion:
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
