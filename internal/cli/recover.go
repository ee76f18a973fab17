package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/promote"
)

type recoverOptions struct {
	f     *Factory
	env   string
	image string // "" for every image the environment runs
}

func newCmdRecover(f *Factory) *cobra.Command {
	o := &recoverOptions{f: f}
	cmd := &cobra.Command{
		Use:   "recover ENV [IMAGE]",
		Short: "Finish or undo a promote or rollback that was interrupted, so ENV runs exactly one recorded release",
		Example: `  bake recover prod
  bake recover prod hello`,
		ValidArgsFunction: completeArgs(f, envNames, imagesInEnv),
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return exactArgs(1, "ENV and at most one IMAGE")(cmd, args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.env = args[0]
			if len(args) == 2 {
				o.image = args[1]
			}
			return runRecover(cmd.Context(), o)
		},
	}
	return cmd
}

type recoverResult struct {
	Env        string             `json:"env"`
	Recoveries []promote.Recovery `json:"recoveries"`
	Drift      []string           `json:"drift,omitempty"` // what still differs from the record afterwards
}

func runRecover(ctx context.Context, o *recoverOptions) (err error) {
	f := o.f
	p, err := f.Project()
	if err != nil {
		return err
	}
	env, err := environment(p, o.env)
	if err != nil {
		return err
	}
	if o.image != "" {
		if _, _, err := f.image(o.image); err != nil {
			return err
		}
	}
	finish := f.liveProgress(ctx, fmt.Sprintf("recover %q", env.Name))
	defer func() { finish(err) }()
	eng, err := f.promoter(ctx, p)
	if err != nil {
		return err
	}
	recs, images, recErr := eng.Recover(ctx, promote.RecoverRequest{Env: env.Name, Image: o.image})
	finish(recErr) // the live view ends before the result is printed under it
	if images == nil || (len(recs) == 0 && errors.Is(recErr, promote.ErrUnderWay)) {
		// Another bake is changing the environment: what runs is its work
		// in progress, neither an interruption nor drift.
		return recErr
	}
	res := recoverResult{Env: env.Name, Recoveries: recs}
	if res.Recoveries == nil {
		res.Recoveries = []promote.Recovery{}
	}
	if res.Drift, err = f.envDrift(ctx, p, env, images); err != nil {
		return errors.Join(recErr, fmt.Errorf("checking %q after recovery: %w", env.Name, err))
	}
	err = f.render(SchemaRecover, res, func(w io.Writer) { printRecoveries(w, env.Name, res) })
	if err != nil || recErr != nil {
		return errors.Join(err, recErr)
	}
	if len(res.Drift) > 0 {
		return fmt.Errorf("%w: %q is not consistent after recovery: %s (see `bake status --check`)",
			promote.ErrFailed, env.Name, strings.Join(res.Drift, "; "))
	}
	return nil
}

func printRecoveries(w io.Writer, env string, res recoverResult) {
	if len(res.Recoveries) == 0 {
		fmt.Fprintf(w, "nothing was interrupted in %s\n", env)
	}
	for _, r := range res.Recoveries {
		it := r.Interruption
		what := "an interrupted operation"
		if it.Kind != "" {
			what = fmt.Sprintf("the interrupted %s of %s@%s", it.Kind, it.Image, it.Version)
		}
		switch r.Action {
		case promote.ActionRepaired:
			fmt.Fprintf(w, "put %s@%s back into traffic in %s (it was not serving: %s); nothing was interrupted, the record is unchanged\n",
				it.Image, it.Version, env, r.Left)
		case promote.ActionFinished:
			fmt.Fprintf(w, "finished %s in %s: it serves, recorded as succeeded\n", what, env)
		case promote.ActionReverted:
			recorded := "recorded as failed"
			if r.Recorded == nil {
				recorded = "it had recorded nothing"
			}
			fmt.Fprintf(w, "undid %s in %s: %s serves, %s\n", what, env, orNone(r.Serves), recorded)
		case promote.ActionNotRecovered:
			fmt.Fprintf(w, "did not recover %s in %s: recorded as failed; see the error below\n", what, env)
		default:
			fmt.Fprintf(w, "released the lock %s left in %s\n", what, env)
		}
	}
	for _, d := range res.Drift {
		fmt.Fprintf(w, "drift: %s\n", d)
	}
}

// envImages lists the images env has targets for, by name.
func envImages(env *config.Environment) []string {
	images := make([]string, 0, len(env.Targets))
	for name := range env.Targets {
		images = append(images, name)
	}
	slices.Sort(images)
	return images
}
