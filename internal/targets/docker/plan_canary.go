package docker

import (
	"fmt"
	"strings"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/targets"
)

// canaryPlanSteps says in words what a canary deployment of req does, for
// `bake promote --plan`: its replicas start beside current's, each step
// sends its share of requests to them for its pause while the analysis
// judges them, then every request goes to them. With nothing serving there
// is no baseline to compare with, so the release goes in as blue-green.
func canaryPlanSteps(p targets.Plan, req targets.Request, current string) []string {
	if current == "" {
		bg := p
		bg.Strategy = config.BlueGreen
		return append([]string{"nothing serves yet, so there is no release to compare a canary with: the release goes in as blue-green does"},
			planSteps(bg, req, current)...)
	}
	var out []string
	line := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	tgt := req.Target
	release := req.Image.Name + "@" + req.Release.Version
	if len(p.Reuse) > 0 {
		line("use %d replica(s) of %s already running: %s", len(p.Reuse), release, strings.Join(p.Reuse, ", "))
	}
	if len(p.Restart) > 0 {
		line("restart %d kept replica(s): %s", len(p.Restart), strings.Join(p.Restart, ", "))
	}
	if p.Start > 0 {
		line("start %d new replica(s) of %s beside %s, which keeps serving", p.Start, release, current)
	}
	line("wait until every replica passes the health check (within %s), sending them no request yet", tgt.HealthTimeout)
	line("at every step, %s", analysisWords(tgt.Analysis, current))
	for i, s := range tgt.Steps {
		line("step %d of %d: send %d%% of the requests on %s to %s for %s", i+1, len(tgt.Steps), s.Weight, p.Switch, release, s.Pause)
	}
	line("then send every request to %s and record the deployment", release)
	line("on a failed analysis: send every request back to %s at once, remove the replicas of %s, record it failed and roll back to %s",
		current, release, current)
	if len(p.Warm) > 0 {
		line("keep %d replica(s) of %s running out of traffic (warm) for rollback: %s", len(p.Warm), current, strings.Join(p.Warm, ", "))
	}
	if len(p.Stop) > 0 {
		line("stop %d replica(s) of %s, kept for rollback: %s", len(p.Stop), current, strings.Join(p.Stop, ", "))
	}
	if len(p.Remove) > 0 {
		line("remove %d replica(s) no longer kept: %s", len(p.Remove), strings.Join(p.Remove, ", "))
	}
	return out
}

// analysisWords says how each step is judged against the baseline.
func analysisWords(a *config.Analysis, baseline string) string {
	if a == nil {
		return "no analysis"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "every %s compare the canary with %s: it fails if its 5xx rate is more than %s percentage point(s) higher or its median latency more than %s higher (at %s confidence)",
		a.Interval, baseline, strings.TrimSuffix(config.Percent(a.MaxErrorRateIncrease), "%"), config.Percent(a.MaxLatencyIncrease),
		config.Percent(a.Confidence))
	if a.MinRequests > 0 {
		fmt.Fprintf(&b, ", judged once each side served %d requests", a.MinRequests)
	} else {
		b.WriteString(", with no minimum of requests")
	}
	if a.Prometheus != "" {
		var qs []string
		for _, q := range a.Queries {
			var limits []string
			if q.Min != nil {
				limits = append(limits, fmt.Sprintf("at least %g", *q.Min))
			}
			if q.Max != nil {
				limits = append(limits, fmt.Sprintf("at most %g", *q.Max))
			}
			qs = append(qs, fmt.Sprintf("%s %s", q.Name, strings.Join(limits, " and ")))
		}
		fmt.Fprintf(&b, "; and Prometheus at %s: %s", a.Prometheus, strings.Join(qs, ", "))
	}
	return b.String()
}
