package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

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
	if o.from != "" && strings.Contains(ref, "@") {
		return &usageError{fmt.Sprintf("bake promote: %q with --from: give IMAGE to promote what %q runs, or IMAGE@VERSION without --from (see `bake promote --help`)", ref, o.from)}
	}
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
	if !o.plan {
		if err := f.confirmProtected(p, o.to, fmt.Sprintf("bake promote: deploy %s@%s to %q", rel.Image, rel.Version, o.to)); err != nil {
			return err
		}
	}
	store, _ := f.Store(ctx)
	if env, _ := p.Environment(o.to); env != nil {
		if o.plan {
			warnInterrupted(ctx, f, env)
		} else if err := recoverFirst(ctx, f, p, env); err != nil {
			return fmt.Errorf("promoting %s@%s to %q: %w", rel.Image, rel.Version, o.to, err)
		}
	}
	if o.plan {
		return runPlan(ctx, f, p, rel, o.to, o.from != "")
	}
	if err := promote.Check(ctx, p, store, rel, o.to); err != nil {
		var untrusted *promote.UntrustedError
		if errors.As(err, &untrusted) {
			return err // "refusing IMAGE@VERSION: why" says it all
		}
		return fmt.Errorf("promoting %s@%s to %q: %w", rel.Image, rel.Version, o.to, err)
	}
	if o.from != "" {
		if err := promote.CheckPin(ctx, store, rel.Image, o.to); err != nil {
			return fmt.Errorf("promoting %s@%s to %q: %w", rel.Image, rel.Version, o.to, err)
		}
	}
	env, _ := p.Environment(o.to)
	fmt.Fprintf(f.Progress(), "promoting %s@%s (%s) to %q\n", rel.Image, rel.Version, shortDigest(rel.Digest), env.Name)
	if err := deploy(ctx, f, p, env, rel, ledger.KindPromote); err != nil {
		return err
	}
	if o.from == "" {
		return releasePin(ctx, f, rel, env.Name, "promote of "+rel.Image+"@"+rel.Version)
	}
	return nil
}

// releasePin ends a pin of rel's image in env, if there is one in force.
func releasePin(ctx context.Context, f *Factory, rel ledger.Release, env, reason string) error {
	store, err := f.Store(ctx)
	if err != nil {
		return err
	}
	pin, err := store.Pin(ctx, rel.Image, env)
	if errors.Is(err, ledger.ErrNotFound) || (err == nil && !pin.Pinned) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := store.SetPin(ctx, ledger.Pin{Image: rel.Image, Env: env, Version: pin.Version, Reason: reason, By: f.User()}); err != nil {
		return err
	}
	fmt.Fprintf(f.Progress(), "%s in %q is no longer pinned to %s\n", rel.Image, env, pin.Version)
	return nil
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
		if ledger.IsRollback(kind) {
			verb = "rolled back"
		}
		fmt.Fprintf(w, "%s %s in %s to %s (was %s), %s\n", verb, rel.Image, env.Name, rel.Version,
			orNone(res.Deployment.Previous), servesAt(env.Targets[rel.Image]))
		if res.Pinned {
			fmt.Fprintf(w, "%s is pinned to %s: `bake promote --from` will not move it until `bake unpin %s --env %s`\n",
				env.Name, rel.Version, rel.Image, env.Name)
		}
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
