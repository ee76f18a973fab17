package cli

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/ledger"
)

func newCmdHistory(f *Factory) *cobra.Command {
	var env string
	cmd := &cobra.Command{
		Use:   "history IMAGE [--env ENV]",
		Short: "List an image's releases and deployments, newest first",
		Args:  exactArgs(1, "IMAGE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runHistory(cmd.Context(), f, args[0], env)
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "only deployments to this environment")
	return cmd
}

type history struct {
	Releases    []ledger.Release    `json:"releases"`
	Deployments []ledger.Deployment `json:"deployments"`
	Approvals   []ledger.Approval   `json:"approvals"` // of the releases listed, oldest first
}

func runHistory(ctx context.Context, f *Factory, image, env string) error {
	p, _, err := f.image(image)
	if err != nil {
		return err
	}
	if env != "" {
		if _, err := environment(p, env); err != nil {
			return err
		}
	}
	store, err := f.Store(ctx)
	if err != nil {
		return err
	}
	h := history{Releases: []ledger.Release{}, Deployments: []ledger.Deployment{}, Approvals: []ledger.Approval{}}
	if h.Releases, err = store.Releases(ctx, image); err != nil {
		return err
	}
	newestFirst(h.Releases)
	if h.Deployments, err = store.Deployments(ctx, image, env); err != nil {
		return err
	}
	for _, r := range h.Releases {
		as, err := store.Approvals(ctx, r.Image, r.Version)
		if err != nil {
			return err
		}
		h.Approvals = append(h.Approvals, as...)
	}
	// A started record adds nothing once its outcome is recorded; one
	// without an outcome (under way, or interrupted) stays.
	h.Deployments = ledger.Finished(h.Deployments)
	return f.render(h, func(w io.Writer) {
		if env == "" {
			fmt.Fprintln(w, "RELEASE\tSTATUS\tDIGEST\tCREATED\tBY")
			for _, r := range h.Releases {
				fmt.Fprintf(w, "%s@%s\t%s\t%s\t%s\t%s\n", r.Image, r.Version, r.Status, dash(shortDigest(r.Digest)),
					r.CreatedAt.Local().Format("2006-01-02 15:04:05"), r.CreatedBy)
			}
			fmt.Fprintln(w)
		}
		printApprovals(w, h.Approvals, env)
		fmt.Fprintln(w, "ID\tWHEN\tENV\tKIND\tVERSION\tREPLACED\tOUTCOME\tBY")
		for _, d := range h.Deployments {
			when := d.FinishedAt
			if d.Outcome == ledger.OutcomeStarted {
				when = d.StartedAt
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, when.Local().Format("2006-01-02 15:04:05"),
				d.Env, d.Kind, d.Version, dash(d.Previous), d.Outcome, d.By)
			switch {
			case d.Outcome == ledger.OutcomeStarted:
				fmt.Fprintf(w, "\t\tno outcome recorded: under way or interrupted (see `bake status`); run: %s\n", d.Reason)
			case d.Reason != "":
				fmt.Fprintf(w, "\t\treason: %s\n", d.Reason)
			}
		}
	})
}

// newestFirst orders releases as history shows them: the most recently
// recorded first (a 1.0.1 hotfix recorded after 1.1.0 comes before it),
// keeping the ledger's version order between releases recorded at once.
func newestFirst(rels []ledger.Release) {
	sort.SliceStable(rels, func(i, j int) bool { return rels[i].CreatedAt.After(rels[j].CreatedAt) })
}

// printApprovals lists approvals (for env only, if set) as a table.
func printApprovals(w io.Writer, approvals []ledger.Approval, env string) {
	header := false
	for _, a := range approvals {
		if env != "" && a.Env != env {
			continue
		}
		if !header {
			fmt.Fprintln(w, "APPROVED\tFOR\tBY\tAT")
			header = true
		}
		fmt.Fprintf(w, "%s@%s\t%s\t%s\t%s\n", a.Image, a.Version, a.Env, a.By, a.At.Local().Format("2006-01-02 15:04:05"))
	}
	if header {
		fmt.Fprintln(w)
	}
}
