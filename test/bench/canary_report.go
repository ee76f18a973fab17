package main

import (
	"fmt"
	"math"
	"strings"
)

// canaryReport is the canary table's markdown.
func canaryReport(bad []badCanary, good goodCanaries) string {
	var t strings.Builder
	fmt.Fprintf(&t, "\n### Canary analysis: svc failing 5%% of its requests, %d promotes; good releases, %d canaries\n\n", len(bad), canaryGoodRounds)
	fmt.Fprintf(&t, "dev: 2 replicas, `%s`; load: `hey -c %d -q %d -m POST -d ping http://%s/` twice (one reporting every response, one a summary).\n\n",
		canaryTarget, canaryWorkers, canaryRate, canaryListen)
	t.WriteString("| round | promote exit | promote s | requests while it ran | failed (the canary's 500s) | share failed | failures from step changes | first 500 to bake's exit (full abort), s | first 500 to the end of the last, s |\n")
	t.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	worst, stepFailures := -1.0, good.stepFailures
	var exposed, toExit []float64
	var failed, requests int
	for i, r := range bad {
		failed, requests = failed+r.failed, requests+r.requests
		share := -1.0
		if r.requests > 0 {
			share = 100 * float64(r.failed) / float64(r.requests)
		}
		if share > worst {
			worst = share
		}
		if r.exit != 1 {
			worst, requests = 100, 0 // a bad release that went through failed the goal whatever its share
		}
		stepFailures += r.stepFailures
		if r.exposed >= 0 {
			exposed, toExit = append(exposed, r.exposed), append(toExit, r.toExit)
		}
		fmt.Fprintf(&t, "| %d | %d | %.2f | %d | %d | %s%% | %d | %s | %s |\n", i+1, r.exit, r.took, r.requests, r.failed,
			f(share, 2), r.stepFailures, nonNeg(r.toExit), nonNeg(r.exposed))
	}
	all := math.NaN() // shown as "-", and a goal missed, when nothing was measured
	if requests > 0 {
		all = 100 * float64(failed) / float64(requests)
	}
	goodTook := statsOf(good.took)
	fmt.Fprintf(&t, `
Good canaries (1.2.0 and 1.0.0 in turn, each replacing the other): %d completed
(promote median %s s, min %s, max %s), %d aborted; %d requests, %d failed.

The share failed counts the requests sent between the promote's start and
its exit (the canary's replicas starting, then its first step): what users
saw during the canary. Only the half of the load that reports every
response counts here; the other half's summary counts the failures from step
changes. The time to full abort runs from the first request a 500 answered
(when hey sent it) to bake's exit: every request back on the old release,
the canary's replicas removed, the outcome recorded. With 5%% of a tenth of
the requests failing, a round sees only a few 500s, so the share moves a lot
from round to round: the analysis needs a handful of them before its test is
sure.

| goal | target | measured | verdict |
| --- | --- | --- | --- |
| 5%%-error release: share of requests failed during the canary (all rounds together; worst round) | <= %.2f%% (first step %d%% x 5%%) | %s%% (worst %s%%) | %s |
| 5%%-error release: first bad request to full abort (median; no target in the issue) | - | %s s (max %s s) | - |
| good canaries wrongly aborted | 0 of %d | %d | %s |
| failed requests caused by step changes, all canaries | 0 | %d | %s |
`, len(good.took), goodTook.med(2), goodTook.min(2), goodTook.max(2), len(good.aborted), good.requests, good.stepFailures,
		float64(canaryFirstWeight)*0.05, canaryFirstWeight, f(all, 2), f(worst, 2), verdict(f(all, 2), "<=", float64(canaryFirstWeight)*0.05),
		statsOf(toExit).med(2), statsOf(toExit).max(2),
		canaryGoodRounds, len(good.aborted), verdict(fmt.Sprint(len(good.aborted)), "<=", 0),
		stepFailures, verdict(fmt.Sprint(stepFailures), "<=", 0))
	return t.String()
}

func nonNeg(v float64) string {
	if v < 0 {
		return "-"
	}
	return f(v, 2)
}
