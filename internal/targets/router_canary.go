package targets

import (
	"context"
	"fmt"
	"time"

	"github.com/bakehq/bake/internal/analysis"
)

var (
	_ Canary      = Router{}
	_ ShareTeller = Router{}
)

// canary is req's target as a Canary; an error names the target type
// that cannot run one (bake.yaml allows strategy canary only where one can).
func (r Router) canary(req Request) (Canary, error) {
	run, err := r.runner(req)
	if err != nil {
		return nil, err
	}
	c, ok := run.(Canary)
	if !ok {
		return nil, fmt.Errorf("%s in %q: a %s target cannot run a canary", req.Image.Name, req.Env, TypeOf(req.Target))
	}
	return c, nil
}

// StartCanary starts a canary through req's target.
func (r Router) StartCanary(ctx context.Context, req Request) ([]Replica, error) {
	c, err := r.canary(req)
	if err != nil {
		return nil, err
	}
	return c.StartCanary(ctx, req)
}

// Shift moves a canary's share of requests through req's target.
func (r Router) Shift(ctx context.Context, req Request, canary []Replica, weight int) error {
	c, err := r.canary(req)
	if err != nil {
		return err
	}
	return c.Shift(ctx, req, canary, weight)
}

// Traffic reads what a canary and its baseline served through req's target.
func (r Router) Traffic(ctx context.Context, req Request, canary []Replica, since time.Time) (analysis.Sample, analysis.Sample, error) {
	c, err := r.canary(req)
	if err != nil {
		return analysis.Sample{}, analysis.Sample{}, err
	}
	return c.Traffic(ctx, req, canary, since)
}

// Abort ends a canary through req's target.
func (r Router) Abort(ctx context.Context, req Request) error {
	c, err := r.canary(req)
	if err != nil {
		return err
	}
	return c.Abort(ctx, req)
}

// TellsShare reports whether req's target says each step's share itself.
func (r Router) TellsShare(req Request) bool {
	c, err := r.canary(req)
	if err != nil {
		return false
	}
	t, ok := c.(ShareTeller)
	return ok && t.TellsShare(req)
}
