package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/version"
)

type rollbackOptions struct {
	f     *Factory
	image string
	env   string
	to    string
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
has moved the environment away from since; revoked releases are skipped.`,
		Example: `  bake rollback hello --env prod
  bake rollback hello@1.0.0 --env prod`,
		Args: exactArgs(1, "IMAGE or IMAGE@VERSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.image = args[0]
			if strings.Contains(o.image, "@") {
				image, version, err := splitRef(o.image)
				if err != nil {
					return err
				}
				if o.to != "" && o.to != version {
					return &usageError{fmt.Sprintf("bake rollback: %q and --to %s name two versions: give one (see `bake rollback --help`)", args[0], o.to)}
				}
				o.image, o.to = image, version
			}
			return runRollback(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.env, "env", "", "environment to roll back (required)")
	cmd.Flags().StringVar(&o.to, "to", "", "version to go back to (must have run there before); same as IMAGE@VERSION")
	_ = cmd.MarkFlagRequired("env")
	return cmd
}

func runRollback(ctx context.Context, o *rollbackOptions) error {
	f := o.f
	p, _, err := f.image(o.image)
	if err != nil {
		return err
	}
	env, err := environment(p, o.env)
	if err != nil {
		return err
	}
	if _, ok := env.Targets[o.image]; !ok {
		return fmt.Errorf("rolling back %s in %q: %w", o.image, env.Name, errNoTarget(env.Name, o.image))
	}
	if o.to != "" {
		if _, err := version.Parse(o.to); err != nil {
			return err
		}
	}
	if err := f.confirmProtected(p, env.Name, rollbackAction(o.image, env.Name, o.to)); err != nil {
		return err
	}
	store, err := f.Store(ctx)
	if err != nil {
		return err
	}
	if err := recoverFirst(ctx, f, p, env); err != nil {
		return fmt.Errorf("rolling back %s in %q: %w", o.image, env.Name, err)
	}
	choice, err := promote.ChooseRollback(ctx, store, o.image, env.Name, o.to)
	if err != nil {
		return fmt.Errorf("rolling back %s in %q: %w", o.image, env.Name, err)
	}
	for _, s := range choice.Skipped {
		fmt.Fprintf(f.Progress(), "skipping %s@%s\n", o.image, s)
	}
	if err := promote.Trust(p, choice.Target); err != nil {
		return fmt.Errorf("rolling back %s in %q: %w", o.image, env.Name, err)
	}
	if choice.Current.Digest != choice.Target.Digest {
		fmt.Fprintf(f.Progress(), "rolling back %s in %q from %s to %s\n", o.image, env.Name, choice.Current.Version, choice.Target.Version)
	}
	return deploy(ctx, f, p, env, choice.Target, ledger.KindRollback)
}
