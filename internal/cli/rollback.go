package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/rollback"
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
		Use:   "rollback IMAGE --env ENV [--to VERSION]",
		Short: "Redeploy the previous good release of an environment from the record",
		Example: `  bake rollback hello --env prod
  bake rollback hello --env prod --to 1.0.0`,
		Args: exactArgs(1, "IMAGE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.image = args[0]
			return runRollback(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.env, "env", "", "environment to roll back (required)")
	cmd.Flags().StringVar(&o.to, "to", "", "version to go back to (must have run there before)")
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
	store, err := f.Store(ctx)
	if err != nil {
		return err
	}
	if err := recoverFirst(ctx, f, p, env); err != nil {
		return fmt.Errorf("rolling back %s in %q: %w", o.image, env.Name, err)
	}
	choice, err := rollback.Choose(ctx, store, o.image, env.Name, o.to)
	if err != nil {
		return err
	}
	if err := promote.Trust(p, choice.Target); err != nil {
		return fmt.Errorf("rolling back %s in %q: %w", o.image, env.Name, err)
	}
	if choice.Current.Digest != choice.Target.Digest {
		fmt.Fprintf(f.Progress(), "rolling back %s in %q from %s to %s\n", o.image, env.Name, choice.Current.Version, choice.Target.Version)
	}
	return deploy(ctx, f, p, env, choice.Target, ledger.KindRollback)
}
