package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/artifact"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/status"
)

// historyPage is how many deployments `bake history` lists unless told.
const historyPage = 20

type historyOptions struct {
	Image  string
	Env    string
	Limit  int
	Before int64
	All    bool
	// BeforeSet is whether --before was given (0 is not an ID).
	BeforeSet bool
}

func newCmdHistory(f *Factory) *cobra.Command {
	var opts historyOptions
	cmd := &cobra.Command{
		Use:   "history IMAGE [--env ENV] [--limit N] [--before ID | --all]",
		Short: "List an image's releases and deployments, newest first, a page at a time",
		Example: `  bake history hello
  bake history hello --env prod --limit 5
  bake history hello --env prod --before 812   # the next page: older than deployment 812
  bake history hello --all -o json`,
		Args:              exactArgs(1, "IMAGE"),
		ValidArgsFunction: completeArgs(f, imageNames),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Image = args[0]
			opts.BeforeSet = cmd.Flags().Changed("before")
			return runHistory(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Env, "env", "", "only deployments to this environment")
	cmd.Flags().IntVar(&opts.Limit, "limit", historyPage, "list at most N deployments")
	cmd.Flags().Int64Var(&opts.Before, "before", 0, "list the deployments older than the one with this ID (the next page)")
	cmd.Flags().BoolVar(&opts.All, "all", false, "list every deployment (reads all of history)")
	_ = cmd.RegisterFlagCompletionFunc("env", completeFlag(f, envNames))
	return cmd
}

// history is what `bake history` lists: the image's history as status
// reads it, with the environments' lock records.
type history struct {
	status.History
	// Locks are the lock and unlock records (`bake lock`) of the
	// environments listed, newest first.
	Locks []ledger.Freeze `json:"locks"`
}

func runHistory(ctx context.Context, f *Factory, opts historyOptions) error {
	image, env := opts.Image, opts.Env
	switch {
	case opts.Limit <= 0:
		return &usageError{fmt.Sprintf("history: --limit %d: give a number of deployments above 0", opts.Limit)}
	case opts.Before < 0, opts.BeforeSet && opts.Before == 0:
		return &usageError{fmt.Sprintf("history: --before %d: give the ID of a deployment, as `bake history` lists them", opts.Before)}
	case opts.All && opts.BeforeSet:
		return &usageError{"history: --all and --before: give one of them"}
	}
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
	var h history
	switch {
	case errors.Is(err, ledger.ErrNoLedger):
		// Nothing released yet is an empty history, not bad input.
		h.History = status.History{Releases: []ledger.Release{}, Deployments: []ledger.Deployment{},
			Approvals: []ledger.Approval{}, Revocations: []ledger.Revocation{}, AMIRemovals: []ledger.AMIRemoval{}}
		h.Locks = []ledger.Freeze{}
		return f.render(SchemaHistory, h, func(w io.Writer) {
			fmt.Fprintf(w, "nothing released yet: run `bake release %s`\n", image)
		})
	case err != nil:
		return err
	}
	if h.History, err = status.ReadHistory(ctx, store, status.HistoryQuery{Image: image, Env: env, Limit: opts.Limit,
		Before: opts.Before, All: opts.All}); err != nil {
		return err
	}
	if h.Locks, err = historyLocks(ctx, store, p, image, env); err != nil {
		return err
	}
	return f.render(SchemaHistory, h, func(w io.Writer) {
		if env == "" {
			printReleases(w, h.History)
		}
		printApprovals(w, h.Approvals, env)
		printLocks(w, h.Locks)
		printDeployments(w, h.Deployments)
		if h.NextBefore != 0 {
			more := fmt.Sprintf("bake history %s --before %d", image, h.NextBefore)
			if env != "" {
				more += " --env " + env
			}
			fmt.Fprintf(w, "\nolder deployments: run `%s` (or --all)\n", more)
		}
	})
}

// printReleases lists an image's releases as a table: a revoked one, and
// one whose AMIs `bake gc --amis` removed, say so in the STATUS column.
func printReleases(w io.Writer, h status.History) {
	revoked := map[string]bool{}
	for _, rv := range h.Revocations {
		revoked[rv.Version] = true
	}
	removed := map[string]time.Time{}
	for _, r := range h.AMIRemovals {
		removed[r.Version] = r.At
	}
	fmt.Fprintln(w, "RELEASE\tSTATUS\tARTIFACT\tCREATED\tBY")
	for _, r := range h.Releases {
		status := r.Status
		if revoked[r.Version] {
			status += ", revoked"
		}
		if at, ok := removed[r.Version]; ok {
			status += ", AMIs removed " + at.Local().Format(time.DateOnly)
		}
		art := dash(shortDigest(r.Digest))
		if len(r.AMIs) > 0 {
			art = artifact.AMIList(r.AMIs) // the AMIs, not the digest bake gives them
		}
		fmt.Fprintf(w, "%s@%s\t%s\t%s\t%s\t%s\n", r.Image, r.Version, status, art,
			r.CreatedAt.Local().Format("2006-01-02 15:04:05"), r.CreatedBy)
	}
	fmt.Fprintln(w)
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

// printDeployments lists deployments as a table, each one's reason on a
// line of its own under it, indented to the ENV column. The table is laid
// out on its own, so that a reason line does not break its columns.
func printDeployments(w io.Writer, deps []ledger.Deployment) {
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tWHEN\tENV\tKIND\tVERSION\tREPLACED\tOUTCOME\tBY")
	for _, d := range deps {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, recordedAt(d).Local().Format("2006-01-02 15:04:05"),
			d.Env, d.Kind, d.Version, dash(d.Previous), outcomeText(d), d.By)
	}
	_ = tw.Flush()
	lines := strings.Split(strings.TrimSuffix(table.String(), "\n"), "\n")
	indent := strings.Repeat(" ", strings.Index(lines[0], "ENV"))
	fmt.Fprintln(w, lines[0])
	for i, d := range deps {
		fmt.Fprintln(w, lines[i+1])
		switch {
		case d.Outcome == ledger.OutcomeStarted:
			fmt.Fprintf(w, "%sno outcome recorded: under way or interrupted (see `bake status`); run: %s\n", indent, d.Reason)
		case d.Reason != "":
			fmt.Fprintf(w, "%sreason: %s\n", indent, d.Reason)
		}
		if len(d.Analysis) > 0 {
			fmt.Fprintf(w, "%s%s: %s\n", indent, ledger.AnalysisLabel(d, deps), ledger.AnalysisSummary(d.Analysis))
		}
	}
}

// recordedAt is when a deployment record was written: a started record's
// start, the others' finish (a step record's, the step change; its start
// when it has none).
func recordedAt(d ledger.Deployment) time.Time {
	if d.Outcome == ledger.OutcomeStarted || d.FinishedAt.IsZero() {
		return d.StartedAt
	}
	return d.FinishedAt
}

// outcomeText is a deployment's OUTCOME column: where a canary stands on
// its step records ("step 2/3: 50%"), the outcome on the others.
func outcomeText(d ledger.Deployment) string {
	if ledger.IsStep(d) && d.Canary != nil {
		return d.Canary.String()
	}
	return d.Outcome
}

// historyLocks reads the lock and unlock records of env, or of every
// environment with a target for image, newest first.
func historyLocks(ctx context.Context, store ledger.Store, p *config.Project, image, env string) ([]ledger.Freeze, error) {
	locks := []ledger.Freeze{}
	for _, e := range p.Environments {
		if _, ok := e.Targets[image]; !ok || (env != "" && e.Name != env) {
			continue
		}
		fs, err := store.Freezes(ctx, e.Name)
		if err != nil {
			return nil, err
		}
		locks = append(locks, fs...)
	}
	sort.SliceStable(locks, func(i, j int) bool { return locks[i].At.After(locks[j].At) })
	return locks, nil
}

// printLocks lists lock and unlock records as a table.
func printLocks(w io.Writer, locks []ledger.Freeze) {
	if len(locks) == 0 {
		return
	}
	fmt.Fprintln(w, "LOCK\tENV\tBY\tAT\tREASON")
	for _, l := range locks {
		what, reason := "unlocked", "-"
		if l.Locked {
			what, reason = "locked", l.Reason
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", what, l.Env, l.By, when(l.At), reason)
	}
	fmt.Fprintln(w)
}
