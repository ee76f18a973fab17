package cli

import (
	"fmt"
	"io"

	"github.com/bakehq/bake/internal/promote"
)

func printPlan(w io.Writer, res promote.PlanResult) {
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
	fmt.Fprintln(w, "actions")
	if res.Actions == nil {
		return
	}
	for i, step := range res.Actions.Steps {
		fmt.Fprintf(w, "  %d. %s\n", i+1, step)
	}
	printChanges(w, res.Actions.Changes)
}
