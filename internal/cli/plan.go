package cli

import (
	"fmt"
	"io"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/promote"
)

func printPlan(w io.Writer, res promote.PlanResult, tgt *config.Target) {
	fmt.Fprintf(w, "plan: %s to %s (now %s)\n", res.Release, res.Env, orNone(res.Current))
	fmt.Fprintln(w, "gates")
	for _, g := range res.Gates {
		mark := "ok"
		if !g.Passed {
			mark = "UNMET"
		}
		fmt.Fprintf(w, "  %s\t%s\t%s\n", mark, g.Name, g.Detail)
	}
	if res.Unchanged {
		fmt.Fprintf(w, "actions\n  none: %s already runs %s\n", res.Env, res.Release)
		return
	}
	a := res.Actions
	fmt.Fprintln(w, "actions")
	step := 1
	line := func(format string, args ...any) {
		fmt.Fprintf(w, "  %d. %s\n", step, fmt.Sprintf(format, args...))
		step++
	}
	if tgt.Type == config.TargetASG {
		printASGActions(line, res, tgt)
		return
	}
	if len(a.Reuse) > 0 {
		line("use %d replica(s) kept warm: %v", len(a.Reuse), a.Reuse)
	}
	if len(a.Restart) > 0 {
		line("restart %d kept replica(s): %v", len(a.Restart), a.Restart)
	}
	if a.Strategy == config.Rolling && res.Current != "" {
		line("replace the replicas in traffic one at a time (%d new, %d restarted): each must pass the health check (within %s) before it joins %s and an old one leaves; at least %d stay in traffic",
			a.Start, len(a.Restart), tgt.HealthTimeout, a.Switch, tgt.MinHealthy)
	} else {
		if a.Start > 0 {
			line("start %d new replica(s) of %s", a.Start, res.Release)
		}
		line("wait until every replica passes the health check (within %s)", tgt.HealthTimeout)
		line("switch %s to the new replicas in one step", a.Switch)
	}
	line("record the deployment")
	if tgt.Watch > 0 {
		line("watch health for %s; on failure switch back to %s and pin %s there", tgt.Watch, orNone(res.Current), res.Env)
	}
	if len(a.Warm) > 0 {
		line("keep %d replica(s) of %s running out of traffic (warm) for rollback: %v", len(a.Warm), res.Current, a.Warm)
	}
	if len(a.Stop) > 0 {
		line("stop %d replica(s) of %s, kept for rollback: %v", len(a.Stop), res.Current, a.Stop)
	}
	if len(a.Remove) > 0 {
		line("remove %d replica(s) no longer kept: %v", len(a.Remove), a.Remove)
	}
}
