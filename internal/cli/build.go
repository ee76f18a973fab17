package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/artifact"
	"github.com/bakehq/bake/internal/builder/ami"
	"github.com/bakehq/bake/internal/release"
	"github.com/bakehq/bake/internal/version"
)

type buildOptions struct {
	f       *Factory
	image   string
	version string
	force   bool
}

func newCmdBuild(f *Factory) *cobra.Command {
	o := &buildOptions{f: f}
	cmd := &cobra.Command{
		Use:   "build IMAGE",
		Short: "Build an image into the local engine without validating or recording it",
		Example: `  bake build hello
  bake build hello --version 1.3.0 --force   # build again although a release has the same inputs`,
		Args:              exactArgs(1, "IMAGE"),
		ValidArgsFunction: completeArgs(f, imageNames),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.image = args[0]
			return runBuild(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.version, "version", "0.0.0-dev", "version to build as (X.Y.Z)")
	cmd.Flags().BoolVar(&o.force, "force", false, "build even if a release with the same inputs exists")
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
	store, err := f.CreateStore(ctx)
	if err != nil {
		return err
	}
	// A native AMI recipe runs on EC2 alone: no Docker engine needed.
	eng, err := f.Engine(ctx)
	if err != nil && !ami.IsTemplate(img.Template) {
		return err
	}
	commit, _, _ := version.GitCommit(ctx, p.Dir)
	r := &release.Releaser{Project: p, Store: store, Engine: eng, AWS: f.AWS, Operation: f.Operation, User: f.User(), Secrets: f.Secrets, Progress: f.Progress()}
	out, done := f.buildOutput(img.Name)
	r.BuildOutput = out
	opts := release.Options{Image: img, Version: o.version, GitCommit: commit, Source: p.Dir, Force: o.force}
	job, _, err := r.Prepare(ctx, opts)
	if err != nil {
		return err
	}
	if prev, err := r.Reusable(ctx, opts, job); err == nil {
		res := buildResult{Reused: prev.Image + "@" + prev.Version, Reference: prev.Reference, AMIs: prev.AMIs, InputsDigest: prev.InputsDigest}
		return f.render(SchemaBuild, res, func(w io.Writer) {
			fmt.Fprintf(w, "reused %s\t%s\ninputs\t%s\n", res.Reused, artifactText(res.Reference, res.AMIs), res.InputsDigest)
		})
	} else if !release.IsNotReusable(err) {
		return err
	}
	built, err := job.Run(ctx)
	done(err != nil)
	if err != nil {
		return err
	}
	res := buildResult{Tag: built.Tag, ImageID: built.ImageID, AMIs: built.AMIs, InputsDigest: built.InputsDigest}
	return f.render(SchemaBuild, res, func(w io.Writer) {
		if len(built.AMIs) > 0 {
			fmt.Fprintf(w, "built %s\ninputs\t%s\n", artifactText("", built.AMIs), built.InputsDigest)
			fmt.Fprintf(w, "note\tthese AMIs are not recorded as a release; `bake sweep --aws --operation %s` removes them\n", f.Operation)
			return
		}
		fmt.Fprintf(w, "built %s\t%s\ninputs\t%s\n", built.Tag, built.ImageID, built.InputsDigest)
	})
}

// artifactText names an artifact: its registry reference, or its AMIs by region.
func artifactText(ref string, amis map[string]string) string {
	if len(amis) == 0 {
		return ref
	}
	return artifact.AMIList(amis)
}

type buildResult struct {
	Tag          string            `json:"tag,omitempty"`
	ImageID      string            `json:"image_id,omitempty"`
	Reused       string            `json:"reused,omitempty"` // image@version whose artifact has the same inputs
	Reference    string            `json:"reference,omitempty"`
	AMIs         map[string]string `json:"amis,omitempty"` // region -> AMI id, for an AMI image
	InputsDigest string            `json:"inputs_digest"`
}
