package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/Masterminds/semver/v3"
	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/builder/ami"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
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
	cmd.Flags().BoolVar(&o.keep, "keep-on-failure", false, "keep a failed sandbox running for debugging (prints how to reach and remove it)")
	cmd.Flags().BoolVar(&o.all, "all", false, "release every image whose inputs changed, bases first")
	cmd.Flags().IntVar(&o.parallel, "parallel", 2, "with --all: how many images build at once")
	cmd.MarkFlagsMutuallyExclusive("version", "bump")
	return cmd
}

type releaseResult struct {
	Release   ledger.Release `json:"release"`
	Reason    string         `json:"reason,omitempty"`
	GitTag    string         `json:"git_tag,omitempty"`
	Unchanged bool           `json:"unchanged,omitempty"` // --all: inputs already recorded, nothing released
	Error     string         `json:"error,omitempty"`     // --all: why this image failed
}

func runRelease(ctx context.Context, o *releaseOptions) error {
	f := o.f
	// Checked here, not when the version is decided: with --all, an image
	// whose inputs are unchanged never gets that far.
	if _, err := version.ParseBump(o.bump); err != nil {
		return &usageError{fmt.Sprintf("bake release: --bump %q: expected auto, major, minor or patch (see `bake release --help`)", o.bump)}
	}
	if o.all {
		return runReleaseAll(ctx, o)
	}
	if o.image == "" {
		return &usageError{"bake release: expected IMAGE or --all (see `bake release --help`)"}
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
			_ = f.render(res, func(io.Writer) {})
		}
		return err
	}
	return f.render(res, func(w io.Writer) { printReleased(w, res) })
}

// releaseOne decides the version of img and releases it. With skipUnchanged,
// an image whose inputs are already recorded is left alone.
func releaseOne(ctx context.Context, o *releaseOptions, p *config.Project, img *config.Image, progress io.Writer, skipUnchanged bool) (_ releaseResult, err error) {
	f := o.f
	store, err := f.CreateStore(ctx)
	if err != nil {
		return releaseResult{}, err
	}
	// A native AMI recipe runs on EC2 alone: no Docker engine needed.
	eng, err := f.Engine(ctx)
	if err != nil && !ami.IsTemplate(img.Template) {
		return releaseResult{}, err
	}
	commit, dirty, _ := version.GitCommit(ctx, p.Dir)
	r := &release.Releaser{Project: p, Store: store, Engine: eng, AWS: f.AWS, Operation: f.Operation, User: f.User(), Secrets: f.Secrets, Progress: progress, KeepOnFailure: o.keep}
	if !skipUnchanged {
		out, done := f.buildOutput(img.Name)
		r.BuildOutput = out
		defer func() { done(err != nil) }()
	}
	opts := release.Options{Image: img, GitCommit: commit, GitDirty: dirty, Source: p.Dir, Force: o.force}
	if skipUnchanged && !o.force {
		if prev, ok, err := unchangedSince(ctx, r, store, opts); err != nil {
			return releaseResult{}, err
		} else if ok {
			return releaseResult{Release: prev, Unchanged: true}, nil
		}
	}
	v, reason, err := decideVersion(ctx, store, p, img, o.version, o.bump)
	if err != nil {
		return releaseResult{}, err
	}
	if dirty {
		reason += "; the git tree has uncommitted changes"
	}
	opts.Version, opts.Reason = v.String(), reason
	rel, err := r.Release(ctx, opts)
	told := rel
	if told.Image == "" {
		told.Image, told.Version = img.Name, opts.Version
	}
	f.notifyRelease(told, err)
	res := releaseResult{Release: rel, Reason: reason}
	if err != nil {
		return res, err
	}
	if !o.noTag && commit != "" {
		if err := version.Tag(ctx, p.Dir, img.Name, v, commit); err != nil {
			fmt.Fprintf(f.Err, "note: %s@%s recorded, but the git tag was not created: %v\n", img.Name, v, err)
		} else {
			res.GitTag = version.TagName(img.Name, v)
		}
	}
	return res, nil
}

// unchangedSince reports whether the image's newest validated release was
// built from exactly the inputs it has now. The inputs are rendered with
// that release's version, so a template that uses {{ .Version }} is not
// "changed" by the version alone.
func unchangedSince(ctx context.Context, r *release.Releaser, store ledger.Store, opts release.Options) (ledger.Release, bool, error) {
	rels, err := store.Releases(ctx, opts.Image.Name)
	if err != nil {
		return ledger.Release{}, false, err
	}
	for _, prev := range rels {
		if prev.Status != ledger.StatusValidated {
			continue
		}
		opts.Version = prev.Version
		job, _, err := r.Prepare(ctx, opts)
		if err != nil {
			return ledger.Release{}, false, err
		}
		return prev, job.InputsDigest() == prev.InputsDigest, nil
	}
	return ledger.Release{}, false, nil
}

func printReleased(w io.Writer, res releaseResult) {
	rel := res.Release
	if res.Unchanged {
		fmt.Fprintf(w, "unchanged %s\tinputs as in %s@%s\n", rel.Image, rel.Image, rel.Version)
		return
	}
	fmt.Fprintf(w, "released %s@%s\t%s\n", rel.Image, rel.Version, artifactText(rel.Reference, rel.AMIs))
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

// decideVersion returns the explicit version, or the next one from git and the ledger.
func decideVersion(ctx context.Context, store ledger.Store, p *config.Project, img *config.Image, explicit, bump string) (*semver.Version, string, error) {
	if explicit != "" {
		v, err := version.Parse(explicit)
		return v, "--version", err
	}
	recorded, err := store.Releases(ctx, img.Name)
	if err != nil {
		return nil, "", err
	}
	var vs []*semver.Version
	for _, r := range recorded {
		if v, err := semver.NewVersion(r.Version); err == nil {
			vs = append(vs, v)
		}
	}
	paths := []string{rel(p.Dir, img.Template), rel(p.Dir, img.Context)}
	d, err := version.Next(ctx, version.NextOptions{Dir: p.Dir, Image: img.Name, Paths: paths, Bump: bump, Recorded: vs})
	if err != nil {
		return nil, "", err
	}
	return d.Version, d.Reason, nil
}

func rel(base, path string) string {
	if r, err := filepath.Rel(base, path); err == nil {
		return r
	}
	return path
}
