package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/status"
	"github.com/bakehq/bake/internal/targets"
)

type statusOptions struct {
	f        *Factory
	image    string // "" for every image
	check    bool
	watch    bool
	interval time.Duration
}

func newCmdStatus(f *Factory) *cobra.Command {
	o := &statusOptions{f: f}
	cmd := &cobra.Command{
		Use:   "status [IMAGE] [--check | --watch [--interval DURATION]]",
		Short: "Show what each environment runs, with the newest releases, and any drift from the record",
		Example: `  bake status
  bake status hello
  bake status --check   # exit 4 when what runs differs from the record
  bake status --watch --interval 5s`,
		ValidArgsFunction: completeArgs(f, imageNames),
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return exactArgs(1, "at most one IMAGE")(cmd, args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.image = args[0]
			}
			if err := checkWatchFlags(o, cmd.Flags().Changed("interval")); err != nil {
				return err
			}
			if o.watch {
				return watchStatus(cmd.Context(), o)
			}
			return runStatus(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVar(&o.check, "check", false, "exit 4 when what runs differs from the record (for monitoring)")
	cmd.Flags().BoolVar(&o.watch, "watch", false, "refresh the matrix in place until Ctrl-C (with -o json: one JSON document per refresh, one per line)")
	cmd.Flags().DurationVar(&o.interval, "interval", 2*time.Second, "how often --watch refreshes (at least 1s)")
	return cmd
}

// statusResult is what status prints: one entry per image, in bake.yaml's order.
type statusResult struct {
	Images []status.Image `json:"images"`
}

// composeStatus reads what the record says and what runs, once.
func composeStatus(ctx context.Context, o *statusOptions) (status.Result, error) {
	f := o.f
	p, err := f.Project()
	if err != nil {
		return status.Result{}, err
	}
	var images []*config.Image
	if o.image != "" {
		_, img, err := f.image(o.image)
		if err != nil {
			return status.Result{}, err
		}
		images = []*config.Image{img}
	}
	store, err := f.Store(ctx)
	if errors.Is(err, ledger.ErrNoLedger) {
		// A new project is not bad input: its environments have nothing recorded.
		return status.Unrecorded(p, images), nil
	}
	if err != nil {
		return status.Result{}, err
	}
	// A target type that cannot be reached still shows the record, marked
	// live state unavailable; --check then fails after printing it.
	live := f.liveTargets(ctx, p)
	return status.Compose(ctx, status.Request{Project: p, Images: images, Store: store, Observe: live.observe})
}

func runStatus(ctx context.Context, o *statusOptions) error {
	f := o.f
	res, err := composeStatus(ctx, o)
	if err != nil {
		return err
	}
	out := res.Images
	if out == nil {
		out = []status.Image{}
	}
	err = f.render(SchemaStatus, statusResult{Images: out}, func(w io.Writer) { printStatus(w, f.Err, out) })
	if err != nil {
		return err
	}
	if o.check {
		return res.Err()
	}
	return nil
}

// printStatus writes the matrix to w (a tabwriter) and the warnings about
// revoked releases to warn.
func printStatus(w, warn io.Writer, out []status.Image) {
	for _, st := range out {
		for _, es := range st.Environments {
			if es.Revoked != "" {
				fmt.Fprintf(warn, "warning: %s runs %s@%s, which was revoked (%s): roll it back or promote a fix\n",
					es.Env, st.Image, es.Version, es.Revoked)
			}
		}
		latest := orNone(st.Latest)
		if st.OutdatedBase != "" {
			latest += ", outdated base: " + st.OutdatedBase + " is newer"
		}
		fmt.Fprintf(w, "%s\tlatest release: %s\n", st.Image, latest)
		if len(st.Environments) == 0 {
			continue
		}
		// The front door is a docker target's: the column is left out
		// when no environment of the image has one.
		door := false
		for _, es := range st.Environments {
			door = door || es.Listen != ""
		}
		header := "  ENV\tVERSION\tDIGEST\tSINCE\tBY\tREPLICAS"
		if door {
			header += "\tFRONT DOOR"
		}
		fmt.Fprintln(w, header)
		for _, es := range st.Environments {
			since := "-"
			if es.Since != nil {
				since = es.Since.Local().Format("2006-01-02 15:04:05")
			}
			version := dash(es.Version)
			if es.OutdatedBase != "" {
				version += " (outdated base)"
			}
			if es.Revoked != "" {
				version += " (REVOKED)"
			}
			if es.Pinned != nil {
				version += " (pinned)"
			}
			if es.Locked != nil {
				version += " (locked)"
			}
			if c := es.Canary; c != nil {
				version += fmt.Sprintf(" (canary %s at %d%%)", c.Version, c.Weight)
			}
			row := fmt.Sprintf("  %s\t%s\t%s\t%s\t%s\t%s", es.Env, version, dash(shortDigest(es.Digest)),
				since, dash(es.By), replicaSummary(es.Replicas))
			if door {
				row += "\t" + dash(es.Listen)
			}
			fmt.Fprintln(w, row)
		}
		for _, es := range st.Environments {
			if es.Reference != "" {
				fmt.Fprintf(w, "  %s: pulls %s\n", es.Env, es.Reference)
			}
			if l := es.Locked; l != nil {
				fmt.Fprintf(w, "  %s: locked by %s since %s: %s; promotions are refused until `bake unlock %s`\n",
					es.Env, l.By, when(l.At), l.Reason, es.Env)
			}
			if c := es.Canary; c != nil {
				fmt.Fprintf(w, "  %s: %s\n", es.Env, canaryLine(st.Image, es.Env, c))
			}
			for _, line := range es.Lines {
				// No tabs: the lines stay out of the table's columns.
				fmt.Fprintf(w, "  %s: %s\n", es.Env, line)
			}
		}
	}
	for _, st := range out {
		for _, es := range st.Environments {
			if es.Interrupted != "" {
				fmt.Fprintf(w, "interrupted: %s in %s: %s; run `bake recover %s`\n", st.Image, es.Env, es.Interrupted, es.Env)
			}
			for _, d := range es.Drift {
				fmt.Fprintf(w, "drift: %s in %s: %s\n", st.Image, es.Env, d)
			}
			if es.LiveUnavailable != "" {
				fmt.Fprintf(w, "live state unavailable: %s in %s: %s; what runs is unknown (the record alone is shown)\n",
					st.Image, es.Env, es.LiveUnavailable)
			}
		}
	}
}

func replicaSummary(rs []targets.Replica) string {
	running, stopped := map[string]int{}, map[string]int{}
	var order []string
	for _, r := range rs {
		if running[r.Version]+stopped[r.Version] == 0 {
			order = append(order, r.Version)
		}
		if r.Running {
			running[r.Version]++
		} else {
			stopped[r.Version]++
		}
	}
	var parts []string
	for _, v := range order {
		if running[v] > 0 {
			parts = append(parts, fmt.Sprintf("%d running %s", running[v], v))
		}
		if stopped[v] > 0 {
			parts = append(parts, fmt.Sprintf("%d stopped %s", stopped[v], v))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// canaryLine says where a canary under way stands: its step, its share of
// requests, and the time left in the step, or how to go on when held.
func canaryLine(image, env string, c *status.Canary) string {
	if c.Step == 0 {
		return fmt.Sprintf("canary %s@%s is starting (%d steps)", image, c.Version, c.Steps)
	}
	line := fmt.Sprintf("canary %s@%s gets %d%% of requests (step %d/%d)", image, c.Version, c.Weight, c.Step, c.Steps)
	if c.Held {
		return fmt.Sprintf("%s, held: `bake promote %s --env %s --continue` or `bake abort %s --env %s`", line, image, env, image, env)
	}
	if c.Until != nil {
		line += fmt.Sprintf(", %s left in the step", max(time.Until(*c.Until), 0).Round(time.Second))
	}
	return line
}
