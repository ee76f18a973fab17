package promote

import (
	"context"
	"errors"
	"fmt"

	"github.com/bakehq/bake/internal/analysis"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/targets"
)

// preflight asks the canary's Prometheus each query once, with the
// release's values, before anything changes or is recorded: a query
// Prometheus refuses (bad PromQL, several series) is bad input, and a
// Prometheus that does not answer fails the promote now, rather than after
// a whole step of the canary serving its share, judged by nothing. No data
// is expected here (the canary has not served yet), and a value out of its
// limits too (it may measure the baseline): the steps judge those.
func (d *Engine) preflight(ctx context.Context, env *config.Environment, req targets.Request, dep ledger.Deployment) error {
	an := analysisOf(req.Target)
	if an.Prometheus == "" || len(an.Queries) == 0 {
		return nil
	}
	p := analysis.Prometheus{URL: an.Prometheus, Queries: queries(an.Queries)}
	_, err := p.Evaluate(ctx, analysis.Vars{Image: dep.Image, Env: env.Name, Version: dep.Version, Baseline: dep.Previous})
	var qe *analysis.QueryError
	switch {
	case err == nil:
		progress.Stepf(d.Progress, progress.Analysis, "Prometheus at %s answers each of the %d queries", an.Prometheus, len(an.Queries))
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.As(err, &qe) && errors.Is(err, analysis.ErrBadQuery):
		at := queryAt(an, qe.Name)
		at.Msg = fmt.Sprintf("Prometheus at %s refused query %q: %v; fix the query: nothing changed", an.Prometheus, qe.Name, qe.Err)
		return BadInput(&at)
	case qe != nil:
		err = qe.Err
	}
	return fmt.Errorf("%w: %s@%s to %q: Prometheus at %s did not answer before the canary started: %v; nothing changed: %q still runs %s",
		ErrFailed, dep.Image, dep.Version, env.Name, an.Prometheus, err, env.Name, orNothing(dep.Previous))
}

// queryAt is where bake.yaml sets the query named name: its key path when
// the project was not read from a file.
func queryAt(an *config.Analysis, name string) config.Error {
	for i, q := range an.Queries {
		if q.Name != name {
			continue
		}
		if q.At.Key != "" {
			return q.At
		}
		return config.Error{Key: fmt.Sprintf("analysis.queries[%d].query", i), Kind: config.ErrInvalid}
	}
	return config.Error{Key: "analysis.queries", Kind: config.ErrInvalid}
}
