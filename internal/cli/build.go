package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/release"
	"github.com/bakehq/bake/internal/version"
)

type buildOptions struct {
	f       *Factory
	image   string
	version string
}

func newCmdBuild(f *Factory) *cobra.Command {
	o := &buildOptions{f: f}
	cmd := &cobra.Command{
		Use:   "build IMAGE",
		Short: "Build an image into the local engine without validating or recording it",
		Args:  exactArgs(1, "IMAGE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.image = args[0]
			return runBuild(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.version, "version", "0.0.0-dev", "version to build as (X.Y.Z)")
	return cmd
}

func runBuild(ctx context.Context, o *buildOptions) error {
	f := o.f
	p, img, err := f.image(o.image)
	if err != nil {
		return err
	}
	if _, err := version.Parse(o.version); err != nil {
		return err
	}
	store, err := f.Store(ctx)
	if err != nil {
		return err
	}
	eng, err := f.Engine(ctx)
	if err != nil {
		return err
	}
	commit, _, _ := version.GitCommit(ctx, p.Dir)
	r := &release.Releaser{Project: p, Store: store, Engine: eng, Operation: f.Operation, User: f.User(), Progress: f.Progress()}
	job, _, err := r.Prepare(ctx, release.Options{Image: img, Version: o.version, GitCommit: commit, Source: p.Dir})
	if err != nil {
		return err
	}
	built, err := job.Run(ctx)
	if err != nil {
		return err
	}
	return f.render(built, func(w io.Writer) {
		fmt.Fprintf(w, "built %s\t%s\ninputs\t%s\n", built.Tag, built.ImageID, built.InputsDigest)
	})
}
