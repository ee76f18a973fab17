package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/targets"
)

// confirmRollback shows a person on a terminal the releases a rollback
// without a version chooses from, the one it takes marked, and asks before
// it goes back to that one; it returns that version. With nothing to go
// back to it asks nothing and returns "": the rollback itself says why.
func (f *Factory) confirmRollback(ctx context.Context, eng *promote.Engine, p *config.Project, req promote.RollbackRequest) (string, error) {
	cands, err := promote.RollbackCandidates(ctx, eng.Store, req.Image, req.Env)
	if err != nil {
		return "", err
	}
	chosen := ""
	for _, c := range cands {
		if c.Default {
			chosen = c.Version
		}
	}
	if chosen == "" {
		return "", nil
	}
	current := "nothing"
	if cur, err := eng.Store.Current(ctx, req.Image, req.Env); err == nil {
		current = cur.Version
	}
	fmt.Fprintf(f.Err, "%s in %q runs %s; it can go back to:\n", req.Image, req.Env, current)
	printCandidates(f.Err, cands)
	fmt.Fprintf(f.Err, "(another one: `bake rollback %s@VERSION --env %s`)\n", req.Image, req.Env)
	action := fmt.Sprintf("bake rollback: roll %s in %q back from %s to %s", req.Image, req.Env, current, chosen)
	if e, _ := p.Environment(req.Env); e != nil && e.Protected {
		action += fmt.Sprintf(" (%q is protected)", req.Env)
	}
	return chosen, f.confirm(action)
}

// printCandidates lists rollback candidates, nearest first, the one a
// rollback takes marked with an arrow.
func printCandidates(w io.Writer, cands []promote.Candidate) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  \tVERSION\tRAN THERE\tBY\t")
	for _, c := range cands {
		mark, note := "", ""
		if c.Default {
			mark, note = "->", "(default)"
		}
		if c.Revoked != "" {
			note = "skipped: " + c.Revoked
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", mark, c.Version, when(c.RanAt), c.By, note)
	}
	_ = tw.Flush()
}

// printRollbackPlan says what `rollback --plan` found a rollback would do.
func printRollbackPlan(w io.Writer, res promote.RollbackPlan) {
	if a := res.Aborts; a != nil && res.Unchanged {
		// The rollback only aborts the held canary (promote.Engine.Rollback).
		fmt.Fprintf(w, "plan: abort the held canary of %s@%s in %s: every request goes back to %s, which keeps serving\n",
			res.Image, a.Version, res.Env, orNone(a.BackOn))
		printPlanSteps(w, res.Actions)
		return
	}
	fmt.Fprintf(w, "plan: roll %s in %s back to %s (now %s)\n", res.Image, res.Env, res.Target, orNone(res.Current))
	if a := res.Aborts; a != nil {
		fmt.Fprintf(w, "first: abort the held canary of %s@%s (every request back to %s)\n", res.Image, a.Version, orNone(a.BackOn))
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(w, "skipping %s@%s\n", res.Image, s)
	}
	if len(res.Candidates) > 0 {
		fmt.Fprintln(w, "candidates")
		printCandidates(w, res.Candidates)
	}
	if res.Unchanged {
		fmt.Fprintf(w, "actions\n  none: %s already runs %s@%s\n", res.Env, res.Image, res.Target)
		return
	}
	if res.Start != "" {
		fmt.Fprintf(w, "start: %s (%s)\n", res.Start, startMeaning[res.Start])
	}
	printPlanSteps(w, res.Actions)
}

func printPlanSteps(w io.Writer, p *targets.Plan) {
	fmt.Fprintln(w, "actions")
	if p == nil {
		return
	}
	for i, step := range p.Steps {
		fmt.Fprintf(w, "  %d. %s\n", i+1, step)
	}
	printChanges(w, p.Changes)
}

// printChanges lists the objects a plan creates or changes, each with the
// diff of its spec, indented under it.
func printChanges(w io.Writer, changes []targets.Change) {
	if len(changes) == 0 {
		return
	}
	fmt.Fprintln(w, "changes")
	for _, c := range changes {
		fmt.Fprintf(w, "  %s %s %s\n", c.Action, c.Kind, c.Name)
		for _, line := range strings.Split(strings.TrimRight(c.Diff, "\n"), "\n") {
			if line != "" {
				fmt.Fprintf(w, "      %s\n", line)
			}
		}
	}
}

var startMeaning = map[string]string{
	"warm":    "its replicas still run and take traffic again",
	"stopped": "its stopped replicas start again",
	"cold":    "new replicas start",
}
