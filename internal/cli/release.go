package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/builder/ami"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/release"
	"github.com/bakehq/bake/internal/report"
	"github.com/bakehq/bake/internal/signing/keys"
	"github.com/bakehq/bake/internal/version"
)

type releaseOptions struct {
	f        *Factory
	image    string
	version  string
	bump     string
	noTag    bool
	force    bool
	all      bool
	parallel int
	reports  []string
	keep     bool
}

func newCmdRelease(f *Factory) *cobra.Command {
	o := &releaseOptions{f: f}
	cmd := &cobra.Command{
		Use:   "release IMAGE | --all",
		Short: "Bake the next version of an image, validate it in a sandbox, publish and record it",
		Example: `  bake release hello                    # next version from git tags and conventional commits
  bake release hello --version 1.2.0
  bake release hello --bump minor --output json
  bake release --all --parallel 4             # every image whose inputs changed, bases first`,
		ValidArgsFunction: completeArgs(f, imageNames),
		Args: func(cmd *cobra.Command, args []string) error {
			if o.all {
				return exactArgs(0, "no IMAGE with --all")(cmd, args)
			}
			return exactArgs(1, "IMAGE")(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.image = args[0]
			}
			return runRelease(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.version, "version", "", "release exactly this version (X.Y.Z)")
	cmd.Flags().StringVar(&o.bump, "bump", "auto", "how to derive the next version: auto, major, minor or patch")
	cmd.Flags().BoolVar(&o.noTag, "no-tag", false, "do not create the git tag IMAGE/vX.Y.Z")
	cmd.Flags().BoolVar(&o.force, "force", false, "build even if a release with the same inputs exists")
	cmd.Flags().StringArrayVar(&o.reports, "report", nil, "also write the check results as FORMAT=PATH (junit=checks.xml)")
	_ = cmd.RegisterFlagCompletionFunc("bump", bumpValues)
	_ = cmd.RegisterFlagCompletionFunc("report", reportValues)
	cmd.Flags().BoolVar(&o.keep, "keep-on-failure", false, "keep a failed sandbox running for debugging (prints how to reach and remove it)")
	cmd.Flags().BoolVar(&o.all, "all", false, "release every image whose inputs changed, bases first")
	cmd.Flags().IntVar(&o.parallel, "parallel", 2, "with --all: how many images build at once")
	cmd.MarkFlagsMutuallyExclusive("version", "bump")
	return cmd
}

func runRelease(ctx context.Context, o *releaseOptions) error {
	f := o.f
	// Checked here, not when the version is decided: with --all, an image
	// whose inputs are unchanged never gets that far.
	if _, err := version.ParseBump(o.bump); err != nil {
		return &usageError{fmt.Sprintf("release: --bump %q: expected auto, major, minor or patch (see `bake release --help`)", o.bump)}
	}
	if o.all {
		return runReleaseAll(ctx, o)
	}
	if o.image == "" {
		return &usageError{"release: expected IMAGE or --all (see `bake release --help`)"}
	}
	reports, err := report.Parse(o.reports)
	if err != nil {
		return err
	}
	p, img, err := f.image(o.image)
	if err != nil {
		return err
	}
	if _, err := f.Signer(); err != nil {
		return err
	}
	res, err := releaseOne(ctx, o, p, img, f.Progress(), false)
	if len(res.Release.Checks) > 0 {
		if rerr := report.Write(reports, res.Release.Image+"@"+res.Release.Version, res.Release.Checks); rerr != nil {
			return errors.Join(err, rerr)
		}
	}
	if err != nil {
		if errors.Is(err, release.ErrValidationFailed) {
			_ = f.render(SchemaRelease, res, func(io.Writer) {})
		}
		return err
	}
	return f.render(SchemaRelease, res, func(w io.Writer) { printReleased(w, res) })
}

// releaseOne releases img as o asks. With skipUnchanged (--all), an image
// whose inputs are already recorded is left alone and the builder's own
// output goes to progress.
func releaseOne(ctx context.Context, o *releaseOptions, p *config.Project, img *config.Image, progress io.Writer, skipUnchanged bool) (_ release.Result, err error) {
	f := o.f
	store, err := f.CreateStore(ctx)
	if err != nil {
		return release.Result{}, err
	}
	// A native AMI recipe runs on EC2 alone: no Docker engine needed.
	eng, err := f.Engine(ctx)
	if err != nil && !ami.IsTemplate(img.Template) {
		return release.Result{}, err
	}
	r := &release.Releaser{Project: p, Store: store, Engine: eng, AWS: f.AWS, Operation: f.Operation, User: f.User(), Secrets: f.Secrets, Progress: progress, KeepOnFailure: o.keep}
	if !skipUnchanged {
		out, done := f.buildOutput(img.Name)
		r.BuildOutput = out
		defer func() { done(err != nil) }()
	}
	res, err := r.Run(ctx, release.Request{Image: img, Version: o.version, Bump: o.bump, Force: o.force, NoTag: o.noTag,
		SkipUnchanged: skipUnchanged, Recorded: f.notifyRelease})
	if res.TagError != nil {
		fmt.Fprintf(f.Err, "note: %s@%s recorded, but the git tag was not created: %v\n", img.Name, res.Release.Version, res.TagError)
	}
	return res, err
}

func printReleased(w io.Writer, res release.Result) {
	rel := res.Release
	if res.Unchanged {
		fmt.Fprintf(w, "unchanged %s\tinputs as in %s@%s\n", rel.Image, rel.Image, rel.Version)
		return
	}
	fmt.Fprintf(w, "released %s@%s\t%s\n", rel.Image, rel.Version, artifactText(rel.Reference, rel.AMIs))
	for _, p := range rel.Provenance.Platforms {
		fmt.Fprintf(w, "platform %s\t%s (validated)\n", p.Platform, p.Digest)
	}
	if rel.Provenance.ReusedFrom != "" {
		fmt.Fprintf(w, "reused\tthe artifact of %s (inputs unchanged)\n", rel.Provenance.ReusedFrom)
	}
	if rel.SigningKey != "" {
		fmt.Fprintf(w, "signed\tby %s\n", keys.ShortID(rel.SigningKey))
	}
	if res.GitTag != "" {
		fmt.Fprintf(w, "tagged\t%s\n", res.GitTag)
	}
}
