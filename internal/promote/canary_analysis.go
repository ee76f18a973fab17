package promote

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bakehq/bake/internal/analysis"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/progress"
	"github.com/bakehq/bake/internal/targets"
)

// analyse compares what the canary served since since with what the
// baseline served over the same time, at the front door (a target that
// cannot count requests per release says targets.ErrNoTraffic: nothing is
// compared), and, when bake.yaml names a Prometheus, evaluates its
// queries; the verdict is all of them combined (analysis.Combine). look is
// which of the step's analyses this is, for the level of the statistical
// tests. A source that cannot be read makes the analysis inconclusive,
// with why, rather than failing the canary: the next analysis may read it.
// Only the run's end (Ctrl-C) is an error.
func (d *Engine) analyse(ctx context.Context, c targets.Canary, req targets.Request, replicas []targets.Replica, baseline string, since time.Time, look analysis.Look) (analysis.Result, error) {
	an := analysisOf(req.Target)
	var results []analysis.Result
	canary, base, err := c.Traffic(ctx, req, replicas, since)
	switch {
	case ctx.Err() != nil:
		return analysis.Result{}, ctx.Err()
	case errors.Is(err, targets.ErrNoTraffic):
		// Nothing counts requests per release there (a Kubernetes
		// Service): bake.yaml gives such a canary Prometheus queries.
	case err != nil:
		results = append(results, analysis.Result{Verdict: analysis.Inconclusive,
			Reason: fmt.Sprintf("reading what the front door served: %v", err)})
	default:
		th := thresholds(an)
		th.Look = look
		results = append(results, analysis.Compare(canary, base, th))
	}
	if an.Prometheus != "" {
		p := analysis.Prometheus{URL: an.Prometheus, Queries: queries(an.Queries)}
		r, err := p.Evaluate(ctx, analysis.Vars{Image: req.Image.Name, Env: req.Env, Version: req.Release.Version, Baseline: baseline})
		switch {
		case ctx.Err() != nil:
			return analysis.Result{}, ctx.Err()
		case err != nil:
			r = analysis.Result{Verdict: analysis.Inconclusive, Reason: fmt.Sprintf("asking Prometheus at %s: %v", an.Prometheus, err),
				Advice: fmt.Sprintf("check that Prometheus at %s runs and answers its queries", an.Prometheus)}
		}
		results = append(results, r)
	}
	res := analysis.Combine(results...)
	progress.Mark(d.Progress, progress.Step{Kind: progress.Analysis, Failed: res.Verdict == analysis.Fail},
		"%s: %s", res.Verdict, res.Reason)
	return res, nil
}

// analysisOf is t's analysis; bake.yaml's defaults when it has none (a
// target loaded without the canary defaults filled in).
func analysisOf(t *config.Target) *config.Analysis {
	if t.Analysis != nil {
		return t.Analysis
	}
	return &config.Analysis{Interval: config.DefaultAnalysisInterval, MinRequests: config.DefaultMinRequests,
		MaxErrorRateIncrease: config.DefaultMaxErrorRateIncrease, MaxLatencyIncrease: config.DefaultMaxLatencyIncrease,
		Confidence: config.DefaultConfidence}
}

// thresholds are the limits of bake.yaml's analysis section, for Compare.
func thresholds(an *config.Analysis) analysis.Thresholds {
	return analysis.Thresholds{MaxErrorRateIncrease: an.MaxErrorRateIncrease, MaxLatencyIncrease: an.MaxLatencyIncrease,
		MinRequests: an.MinRequests, Confidence: an.Confidence}
}

// queries are bake.yaml's Prometheus queries, for Evaluate.
func queries(qs []config.MetricQuery) []analysis.Query {
	out := make([]analysis.Query, 0, len(qs))
	for _, q := range qs {
		out = append(out, analysis.Query{Name: q.Name, Query: q.Query, Max: q.Max, Min: q.Min})
	}
	return out
}
