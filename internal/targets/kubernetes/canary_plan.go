package kubernetes

import (
	"fmt"
	"strings"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/targets"
)

// canaryPlan says in words what a canary deployment of req does, for
// `bake promote --plan`, in place of p's blue-green steps: the canary's
// Deployment starts beside current's out of the Service, each step gives
// it its share of the Service's pods for its pause while Prometheus
// judges it, then the Service selects it alone. With nothing serving
// there is no baseline to compare with: the release goes in as blue-green
// does, and the plan says so.
func (t *Target) canaryPlan(p *targets.Plan, req targets.Request, s snapshot, current string) {
	if req.Target.Strategy != config.Canary {
		return
	}
	if current == "" {
		p.Steps = append([]string{"nothing serves yet, so there is no release to compare a canary with: the release goes in as blue-green does"}, p.Steps...)
		return
	}
	tgt, release := req.Target, req.Image.Name+"@"+req.Release.Version
	name, base := DeploymentName(req.Image.Name, req.Release.Version), DeploymentName(req.Image.Name, current)
	b := int32(0)
	if d := s.deployment(base); d != nil {
		b = desired(d)
	}
	var out []string
	line := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	for _, step := range p.Steps { // the namespace, if bake creates it
		if strings.HasPrefix(step, "create namespace ") {
			line("%s", step)
		}
	}
	first := canaryPods(firstWeight(req), b)
	switch {
	case len(p.Reuse) > 0:
		line("use Deployment %s, kept warm, beside %s, which keeps serving", name, base)
	case len(p.Restart) > 0:
		line("scale Deployment %s (kept for rollback) back up to %d pod(s) beside %s, which keeps serving", name, first, base)
	default:
		line("apply Deployment %s beside %s, which keeps serving: %d x %s", name, base, first, req.Release.Reference)
	}
	line("wait until its pods are available (within %s), out of %s", tgt.HealthTimeout, p.Switch)
	line("at every step, %s", t.canaryJudged(tgt.Analysis))
	for i, step := range tgt.Steps {
		c := canaryPods(step.Weight, b)
		line("step %d of %d: scale %s to %d pod(s) and point %s at both releases' pods: %s gets %d%% of the ready pods (%d of %d; the step asks %d%%) for %s",
			i+1, len(tgt.Steps), name, c, p.Switch, release, podShare(c, b), c, c+b, step.Weight, step.Pause)
	}
	line("then point %s at %s alone (%d pods) and record the deployment", p.Switch, release, replicasOf(req))
	line("on a failed analysis: point %s back at %s, delete Deployment %s, record it failed and roll back to %s",
		p.Switch, current, name, current)
	if len(p.Warm) > 0 {
		line("keep Deployment %s running out of the Service (warm) for rollback", strings.Join(p.Warm, ", "))
	}
	if len(p.Stop) > 0 {
		line("scale Deployment %s to zero, kept for rollback", strings.Join(p.Stop, ", "))
	}
	if len(p.Remove) > 0 {
		line("delete Deployment %s", strings.Join(p.Remove, ", "))
	}
	if p.Start > 0 {
		p.Start = int(first)
	}
	p.Strategy, p.Steps = config.Canary, out
}

// canaryStart is how many pods a canary of req starts with beside
// current's Deployment, as StartCanary gives it; 0 when req is no canary
// or there is no baseline (the release goes in as blue-green does).
func canaryStart(req targets.Request, s snapshot, current string) int32 {
	if req.Target.Strategy != config.Canary || current == "" {
		return 0
	}
	d := s.deployment(DeploymentName(req.Image.Name, current))
	if d == nil {
		return 0
	}
	return canaryPods(firstWeight(req), desired(d))
}

// canaryJudged says how each step is judged: by the queries alone, since
// nothing counts the requests a Service sends to each release.
func (t *Target) canaryJudged(a *config.Analysis) string {
	if a == nil || a.Prometheus == "" {
		return "no analysis: the steps go by time"
	}
	var qs []string
	for _, q := range a.Queries {
		var limits []string
		if q.Min != nil {
			limits = append(limits, fmt.Sprintf("at least %g", *q.Min))
		}
		if q.Max != nil {
			limits = append(limits, fmt.Sprintf("at most %g", *q.Max))
		}
		qs = append(qs, q.Name+" "+strings.Join(limits, " and "))
	}
	return fmt.Sprintf("every %s ask Prometheus at %s: %s (a Service counts no requests per release: the queries alone judge the canary)",
		a.Interval, a.Prometheus, strings.Join(qs, ", "))
}
