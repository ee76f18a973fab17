package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/version"
)

type promoteOptions struct {
	f    *Factory
	ref  string // IMAGE@VERSION, or IMAGE with --from or --continue
	from string
	to   string
	plan bool
	// step holds a canary after each step change; resume continues a held one.
	step, resume bool
	// unjudged goes on with --continue although the held step cannot be judged.
	unjudged bool
	env      string // the environment, with --continue
}

func newCmdPromote(f *Factory) *cobra.Command {
	o := &promoteOptions{f: f}
	cmd := &cobra.Command{
		Use:   "promote IMAGE@VERSION --to ENV | IMAGE --from ENV --to ENV | IMAGE --env ENV --continue",
		Short: "Deploy a recorded release to an environment, gated by policy",
		Long: `Deploy a recorded release to an environment, gated by policy.

A target with strategy canary sends each of its steps' share of requests to
the new release, analysing it against the release it replaces, and aborts
on its own if the analysis fails. --step holds the canary after each step
change: go on with --continue, or send every request back with ` + "`bake abort`" + `.
--continue first judges the held step: a failure aborts, too few requests to
judge is refused unless --unjudged is given.`,
		Example: `  bake promote hello@1.1.0 --to dev
  bake promote hello --from dev --to qa
  bake promote hello@1.2.0 --to prod --step   # a canary: hold after each step
  bake promote hello --env prod --continue    # analyse the held step, then go on`,
		Args:              exactArgs(1, "IMAGE@VERSION or IMAGE"),
		ValidArgsFunction: completeArgs(f, promoteRef),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.ref = args[0]
			if o.resume {
				return runContinue(cmd.Context(), o)
			}
			if o.unjudged {
				return &usageError{usageText(cmd, "--unjudged goes on with a held canary: give it with --continue")}
			}
			if o.env != "" {
				return &usageError{usageText(cmd, "--env names the environment of --continue: give --to ENV")}
			}
			if o.to == "" {
				return &usageError{usageText(cmd, `required flag(s) "to" not set`)}
			}
			return runPromote(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.to, "to", "", "environment to deploy to (required, except with --continue)")
	cmd.Flags().StringVar(&o.from, "from", "", "promote what this environment runs now")
	cmd.Flags().BoolVar(&o.plan, "plan", false, "print the gates and the exact actions, and change nothing (exit 3 if a gate is unmet)")
	cmd.Flags().BoolVar(&o.step, "step", false, "a canary: hold after each step change until --continue or bake abort")
	cmd.Flags().BoolVar(&o.resume, "continue", false, "go on with the canary held in the environment (--env or --to)")
	cmd.Flags().StringVar(&o.env, "env", "", "the environment of --continue (same as --to)")
	cmd.Flags().BoolVar(&o.unjudged, "unjudged", false, "with --continue: go on although too few requests reached the held step to judge it (recorded)")
	cmd.MarkFlagsMutuallyExclusive("continue", "from")
	cmd.MarkFlagsMutuallyExclusive("continue", "plan")
	_ = cmd.RegisterFlagCompletionFunc("to", completeFlag(f, envNames))
	_ = cmd.RegisterFlagCompletionFunc("env", completeFlag(f, envNames))
	_ = cmd.RegisterFlagCompletionFunc("from", completeFlag(f, envNames))
	return cmd
}

func runPromote(ctx context.Context, o *promoteOptions) (err error) {
	f := o.f
	req := promote.PromoteRequest{Image: o.ref, From: o.from, To: o.to, Step: o.step}
	if o.from != "" && strings.Contains(o.ref, "@") {
		return &usageError{fmt.Sprintf("promote: %q with --from: give IMAGE to promote what %q runs, or IMAGE@VERSION without --from (see `bake promote --help`)", o.ref, o.from)}
	}
	if o.from == "" {
		image, v, err := splitRef(o.ref)
		if err != nil {
			return err
		}
		if _, err := version.Parse(v); err != nil {
			return err
		}
		req.Image, req.Version = image, v
	}
	p, _, err := f.image(req.Image)
	if err != nil {
		return err
	}
	if env, _ := p.Environment(o.to); o.step && env != nil && env.Targets[req.Image] != nil && env.Targets[req.Image].Strategy != config.Canary {
		return &usageError{fmt.Sprintf("promote: --step holds a canary, and %s's target in %q has strategy %s (see `bake promote --help`)",
			req.Image, o.to, env.Targets[req.Image].Strategy)}
	}
	finish := func(error) {}
	if !o.plan {
		title := fmt.Sprintf("promote %s@%s to %q", req.Image, req.Version, o.to)
		if o.from != "" {
			title = fmt.Sprintf("promote %s from %q to %q", req.Image, o.from, o.to)
		}
		finish = f.liveProgress(ctx, title)
		defer func() { finish(err) }()
	}
	eng, err := f.promoter(ctx, p)
	if err != nil {
		return err
	}
	if o.plan {
		res, err := eng.Plan(ctx, req)
		if res.Release == "" {
			return err
		}
		if rerr := f.render(SchemaPlan, res, func(w io.Writer) { printPlan(w, res) }); rerr != nil {
			return rerr
		}
		return err
	}
	if env, _ := p.Environment(o.to); env != nil && env.Protected && !f.Yes {
		action, err := promoteAction(ctx, eng, req)
		if err != nil {
			return err
		}
		if err := f.confirmProtected(p, o.to, action); err != nil {
			return err
		}
	}
	res, err := eng.Promote(ctx, req)
	finish(err) // the live view ends before the result is printed under it
	if err != nil {
		return err
	}
	env, _ := p.Environment(o.to)
	return renderDeployment(f, env, res)
}

// promoteAction is the question before a promote into a protected
// environment: the exact release (version and digest, and where it comes
// from with --from) and what it replaces, so a person knows what yes does.
func promoteAction(ctx context.Context, eng *promote.Engine, req promote.PromoteRequest) (string, error) {
	prop, err := eng.Propose(ctx, req)
	if err != nil {
		return "", err
	}
	rel := prop.Release
	what := shortDigest(rel.Digest)
	if req.From != "" {
		what += fmt.Sprintf(", from %q", req.From)
	}
	replacing := "replacing " + prop.Current
	if prop.Current == "" {
		replacing = "where nothing runs yet"
	}
	return fmt.Sprintf("bake promote: deploy %s@%s (%s) to %q, %s", rel.Image, rel.Version, what, req.To, replacing), nil
}

// renderDeployment prints what a promote or rollback did.
func renderDeployment(f *Factory, env *config.Environment, res promote.Result) error {
	dep := res.Deployment
	return f.render(SchemaDeployment, res, func(w io.Writer) {
		switch {
		case res.Canary != nil:
			printHeld(w, env, res)
			return
		case res.Aborted:
			fmt.Fprintf(w, "aborted the canary of %s@%s in %s: every request is back on %s\n", dep.Image, dep.Version, env.Name, orNone(dep.Previous))
			return
		}
		if res.Unchanged {
			fmt.Fprintf(w, "%s already runs %s@%s\n", env.Name, dep.Image, dep.Version)
		} else {
			verb := "promoted"
			if ledger.IsRollback(dep.Kind) {
				verb = "rolled back"
			}
			fmt.Fprintf(w, "%s %s in %s to %s (was %s), %s\n", verb, dep.Image, env.Name, dep.Version,
				orNone(dep.Previous), f.servesAt(env.Targets[dep.Image]))
		}
		if res.Unpinned != "" {
			fmt.Fprintf(w, "%s in %q is no longer pinned to %s\n", dep.Image, env.Name, res.Unpinned)
		}
		if res.Pinned {
			fmt.Fprintf(w, "%s is pinned to %s: `bake promote --from` will not move it until `bake unpin %s --env %s`\n",
				env.Name, dep.Version, dep.Image, env.Name)
		}
	})
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func shortDigest(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	return d
}
