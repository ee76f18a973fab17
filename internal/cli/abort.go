package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/promote"
)

type abortOptions struct {
	f     *Factory
	image string
	env   string
}

func newCmdAbort(f *Factory) *cobra.Command {
	o := &abortOptions{f: f}
	cmd := &cobra.Command{
		Use:   "abort IMAGE --env ENV",
		Short: "Send every request back from a canary to the release it would replace",
		Long: `Abort the canary of IMAGE in an environment, held (` + "`bake promote --step`" + `) or
left by a bake that stopped (killed): every request goes back at once to the
release the environment ran, the canary's replicas are removed, and the
canary is recorded once as failed, aborted by you. The environment's release
never changed.
A canary that another bake on this machine is running is aborted by that
bake: bake abort sends it a Ctrl-C, waits (at most 30s) for it to send every
request back and record the canary failed, aborted by you from another
terminal, and says what it recorded. One run on another host is refused:
press Ctrl-C there.
With no canary under way, it says so and exits 2.`,
		Example: `  bake abort hello --env prod
  bake abort hello --env prod -o json`,
		Args:              exactArgs(1, "IMAGE"),
		ValidArgsFunction: completeArgs(f, imageNames),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.image = args[0]
			return runAbort(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.env, "env", "", "environment of the canary (required)")
	_ = cmd.MarkFlagRequired("env")
	_ = cmd.RegisterFlagCompletionFunc("env", completeFlag(f, envNames))
	return cmd
}

func runAbort(ctx context.Context, o *abortOptions) (err error) {
	f := o.f
	p, _, err := f.image(o.image)
	if err != nil {
		return err
	}
	env, err := environment(p, o.env)
	if err != nil {
		return err
	}
	finish := f.liveProgress(ctx, fmt.Sprintf("abort the canary of %s in %q", o.image, env.Name))
	defer func() { finish(err) }()
	eng, err := f.promoter(ctx, p)
	if err != nil {
		return err
	}
	res, err := eng.Abort(ctx, promote.AbortRequest{Image: o.image, Env: env.Name})
	finish(err) // the live view ends before the result is printed under it
	if err != nil {
		return err
	}
	return renderDeployment(f, env, res)
}
