package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/targets"
)

type logsOptions struct {
	f      *Factory
	image  string
	env    string
	follow bool
	since  time.Duration
	tail   int
}

func newCmdLogs(f *Factory) *cobra.Command {
	o := &logsOptions{f: f}
	cmd := &cobra.Command{
		Use:   "logs IMAGE --env ENV [-f] [--since DUR] [--tail N]",
		Short: "Show the logs of the replicas that run an image's release in an environment",
		Long: `Show what the replicas running the release an environment runs (as the ledger
records it) wrote to stdout and stderr, each line prefixed by its replica and
interleaved by time. With -f, new lines follow until Ctrl-C. With -o json,
each line is one JSON document (bake.log-line/v1).

Docker targets only: other target types' instances log where their platform
sends logs.`,
		Example: `  bake logs hello --env prod --since 10m
  bake logs hello --env prod -f --tail 20`,
		Args:              exactArgs(1, "IMAGE"),
		ValidArgsFunction: completeArgs(f, imageNames),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.image = args[0]
			// The flag's zero value would print as a second default in the
			// help; unset, it means every line.
			if !cmd.Flags().Changed("tail") {
				o.tail = -1
			} else if o.tail < 0 {
				return &usageError{fmt.Sprintf("logs --tail %d: give a number of lines, 0 or more (leave it out for all)", o.tail)}
			}
			return runLogs(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.env, "env", "", "environment whose replicas to read (required)")
	cmd.Flags().BoolVarP(&o.follow, "follow", "f", false, "keep following new lines until Ctrl-C")
	cmd.Flags().DurationVar(&o.since, "since", 0, "only lines written in the last DUR (such as 10m or 2h)")
	cmd.Flags().IntVar(&o.tail, "tail", 0, "only the last N lines of each replica (default: all)")
	_ = cmd.MarkFlagRequired("env")
	_ = cmd.RegisterFlagCompletionFunc("env", completeFlag(f, envNames))
	return cmd
}

func runLogs(ctx context.Context, o *logsOptions) error {
	f := o.f
	if o.since < 0 {
		return &usageError{fmt.Sprintf("logs: --since %s: give a duration above 0, such as 10m", o.since)}
	}
	p, _, err := f.image(o.image)
	if err != nil {
		return err
	}
	env, err := environment(p, o.env)
	if err != nil {
		return err
	}
	tgt, ok := env.Targets[o.image]
	if !ok {
		return errNoTarget(env.Name, o.image)
	}
	store, err := f.Store(ctx)
	if err != nil {
		return err
	}
	cur, err := store.Current(ctx, o.image, env.Name)
	if errors.Is(err, ledger.ErrNotFound) {
		return promote.BadInput(fmt.Errorf("%q runs no release of %s: there are no replicas to read; `bake status %s` shows what runs",
			env.Name, o.image, o.image))
	}
	if err != nil {
		return err
	}
	req := targets.LogRequest{Env: env.Name, Image: o.image, Target: tgt, Version: cur.Version, Follow: o.follow, Tail: o.tail}
	if o.since > 0 {
		req.Since = time.Now().Add(-o.since)
	}
	lt := f.liveTargets(ctx, p)
	if err := lt.errs[targets.TypeOf(tgt)]; err != nil {
		return err
	}
	var werr error
	err = lt.router.Logs(ctx, req, func(l targets.LogLine) {
		if werr != nil {
			return
		}
		werr = f.writeLogLine(l)
	})
	if err != nil {
		return fmt.Errorf("reading the logs of %s@%s in %q: %w", o.image, cur.Version, env.Name, err)
	}
	return werr
}

// writeLogLine prints one line as "replica | text", or with -o json as one
// bake.log-line/v1 document on a line of its own.
func (f *Factory) writeLogLine(l targets.LogLine) error {
	if !f.JSON() {
		_, err := fmt.Fprintf(f.Out, "%s | %s\n", l.Replica, l.Text)
		return err
	}
	f.rendered = true
	doc, err := document(SchemaLogLine, l)
	if err != nil {
		return err
	}
	_, err = f.Out.Write(append(doc, '\n'))
	return err
}
