package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/promote"
)

type rollbackOptions struct {
	f     *Factory
	image string
	env   string
	to    string
	plan  bool
}

func newCmdRollback(f *Factory) *cobra.Command {
	o := &rollbackOptions{f: f}
	cmd := &cobra.Command{
		Use:   "rollback IMAGE --env ENV | IMAGE@VERSION --env ENV",
		Short: "Redeploy the previous good release of an environment from the record",
		Long: `Redeploy the previous good release of an environment from the record, or the
version given (IMAGE@VERSION, or --to VERSION), which must have run there.

The previous good release is the newest release, other than the one the
environment runs, that was deployed there successfully and that no rollback
has moved the environment away from since; revoked releases are skipped.

Without a version, on a terminal, bake shows the releases it chooses from
(the one it takes marked) and asks before it goes ahead; elsewhere (CI,
scripts) --yes is required. --plan prints what the rollback would do and
changes nothing.

While a canary of IMAGE is held in the environment (` + "`bake promote --step`" + `), a
rollback aborts it, as ` + "`bake abort`" + ` does: every request goes back to the
release the environment runs, which stays.`,
		Example: `  bake rollback hello --env prod --plan
  bake rollback hello --env prod
  bake rollback hello --env prod --yes               # in a script or CI job
  bake rollback hello@1.0.0 --env prod
  bake rollback hello --env prod --to 1.0.0 --yes   # in a script or CI job`,
		Args:              exactArgs(1, "IMAGE or IMAGE@VERSION"),
		ValidArgsFunction: completeArgs(f, rollbackRef),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.image = args[0]
			if strings.Contains(o.image, "@") {
				image, version, err := splitRef(o.image)
				if err != nil {
					return err
				}
				if o.to != "" && o.to != version {
					return &usageError{fmt.Sprintf("rollback: %q and --to %s name two versions: give one (see `bake rollback --help`)", args[0], o.to)}
				}
				o.image, o.to = image, version
			}
			return runRollback(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.env, "env", "", "environment to roll back (required)")
	cmd.Flags().StringVar(&o.to, "to", "", "version to go back to (must have run there before); same as IMAGE@VERSION")
	cmd.Flags().BoolVar(&o.plan, "plan", false, "print which release it would go back to, replacing which, and how, and change nothing")
	_ = cmd.MarkFlagRequired("env")
	_ = cmd.RegisterFlagCompletionFunc("env", completeFlag(f, envNames))
	_ = cmd.RegisterFlagCompletionFunc("to", completeFlag(f, rollbackTo))
	return cmd
}

func runRollback(ctx context.Context, o *rollbackOptions) (err error) {
	f := o.f
	p, _, err := f.image(o.image)
	if err != nil {
		return err
	}
	env, err := environment(p, o.env)
	if err != nil {
		return err
	}
	if o.to == "" && !o.plan && !f.Yes && !f.InTerminal {
		return confirmationNeeded(rollbackAction(o.image, env.Name, ""), " (or --plan to see what it would do)")
	}
	if o.to != "" && !o.plan {
		if err := f.confirmProtected(p, env.Name, rollbackAction(o.image, env.Name, o.to)); err != nil {
			return err
		}
	}
	finish := func(error) {}
	if !o.plan {
		finish = f.liveProgress(ctx, fmt.Sprintf("rollback %s in %q", o.image, env.Name))
		defer func() { finish(err) }()
	}
	eng, err := f.promoter(ctx, p)
	if err != nil {
		return err
	}
	req := promote.RollbackRequest{Image: o.image, Env: env.Name, To: o.to}
	if o.plan {
		res, err := eng.PlanRollback(ctx, req)
		if err != nil {
			return err
		}
		return f.render(SchemaRollbackPlan, res, func(w io.Writer) { printRollbackPlan(w, res) })
	}
	held, err := promote.CanaryUnderWay(ctx, eng.Store, o.image, env.Name)
	if err != nil {
		return err
	}
	// A rollback while a canary is held aborts it, which changes no release.
	if o.to == "" && !f.Yes && (held == nil || !held.Held()) {
		// The version confirmed is the one deployed, whatever history
		// records meanwhile.
		if req.To, err = f.confirmRollback(ctx, eng, p, req); err != nil {
			return err
		}
	}
	res, err := eng.Rollback(ctx, req)
	finish(err) // the live view ends before the result is printed under it
	if err != nil {
		return err
	}
	return renderDeployment(f, env, res)
}
