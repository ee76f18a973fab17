package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/promote"
)

type promoteOptions struct {
	f    *Factory
	ref  string // IMAGE@VERSION, or IMAGE with --from
	from string
	to   string
	plan bool
}

func newCmdPromote(f *Factory) *cobra.Command {
	o := &promoteOptions{f: f}
	cmd := &cobra.Command{
		Use:   "promote IMAGE@VERSION --to ENV | IMAGE --from ENV --to ENV",
		Short: "Deploy a recorded release to an environment, gated by policy",
		Example: `  bake promote hello@1.1.0 --to dev
  bake promote hello --from dev --to qa`,
		Args: exactArgs(1, "IMAGE@VERSION or IMAGE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.ref = args[0]
			return runPromote(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.to, "to", "", "environment to deploy to (required)")
	cmd.Flags().StringVar(&o.from, "from", "", "promote what this environment runs now")
	cmd.Flags().BoolVar(&o.plan, "plan", false, "print the gates and the exact actions, and change nothing (exit 3 if a gate is unmet)")
	_ = cmd.MarkFlagRequired("to")
	return cmd
}

func runPromote(ctx context.Context, o *promoteOptions) error {
	f := o.f
	ref := o.ref
	if o.from != "" {
		resolved, err := resolveFrom(ctx, f, o.ref, o.from)
		if err != nil {
			return err
		}
		ref = resolved
	}
	p, rel, err := f.release(ctx, ref)
	if err != nil {
		return err
	}
	store, _ := f.Store(ctx)
	if o.plan {
		return runPlan(ctx, f, p, rel, o.to)
	}
	if err := promote.Check(ctx, p, store, rel, o.to); err != nil {
		return fmt.Errorf("promoting %s@%s to %q: %w", rel.Image, rel.Version, o.to, err)
	}
	env, _ := p.Environment(o.to)
	fmt.Fprintf(f.Progress(), "promoting %s@%s (%s) to %q\n", rel.Image, rel.Version, shortDigest(rel.Digest), env.Name)
	return deploy(ctx, f, p, env, rel, ledger.KindPromote)
}

// resolveFrom returns IMAGE@VERSION for what env runs now.
func resolveFrom(ctx context.Context, f *Factory, image, from string) (string, error) {
	p, _, err := f.image(image)
	if err != nil {
		return "", err
	}
	if _, err := environment(p, from); err != nil {
		return "", err
	}
	store, err := f.Store(ctx)
	if err != nil {
		return "", err
	}
	cur, err := store.Current(ctx, image, from)
	if err != nil {
		return "", fmt.Errorf("%w: %q runs no release of %s to promote", promote.ErrRefused, from, image)
	}
	return image + "@" + cur.Version, nil
}

// deploy runs a promote or rollback through the environment's target and prints the result.
func deploy(ctx context.Context, f *Factory, p *config.Project, env *config.Environment, rel ledger.Release, kind string) error {
	d, err := f.deployer(ctx, p)
	if err != nil {
		return err
	}
	res, err := d.Execute(ctx, kind, env, rel)
	if err != nil {
		return err
	}
	return f.render(res, func(w io.Writer) {
		if res.Unchanged {
			fmt.Fprintf(w, "%s already runs %s@%s\n", env.Name, rel.Image, rel.Version)
			return
		}
		verb := "promoted"
		if kind == ledger.KindRollback {
			verb = "rolled back"
		}
		fmt.Fprintf(w, "%s %s in %s to %s (was %s), serving on http://%s\n", verb, rel.Image, env.Name, rel.Version,
			orNone(res.Deployment.Previous), env.Targets[rel.Image].Listen)
	})
}

func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	return d
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
