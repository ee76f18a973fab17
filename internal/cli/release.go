package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/Masterminds/semver/v3"
	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/release"
	"github.com/bakehq/bake/internal/version"
)

type releaseOptions struct {
	f       *Factory
	image   string
	version string
	bump    string
	noTag   bool
	force   bool
}

func newCmdRelease(f *Factory) *cobra.Command {
	o := &releaseOptions{f: f}
	cmd := &cobra.Command{
		Use:   "release IMAGE",
		Short: "Bake the next version of an image, validate it in a sandbox, publish and record it",
		Example: `  bake release hello                    # next version from git tags and conventional commits
  bake release hello --version 1.2.0
  bake release hello --bump minor --output json`,
		Args: exactArgs(1, "IMAGE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.image = args[0]
			return runRelease(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.version, "version", "", "release exactly this version (X.Y.Z)")
	cmd.Flags().StringVar(&o.bump, "bump", "auto", "how to derive the next version: auto, major, minor or patch")
	cmd.Flags().BoolVar(&o.noTag, "no-tag", false, "do not create the git tag IMAGE/vX.Y.Z")
	cmd.Flags().BoolVar(&o.force, "force", false, "build even if a release with the same inputs exists")
	return cmd
}

type releaseResult struct {
	Release ledger.Release `json:"release"`
	Reason  string         `json:"reason,omitempty"`
	GitTag  string         `json:"git_tag,omitempty"`
}

func runRelease(ctx context.Context, o *releaseOptions) error {
	f := o.f
	p, img, err := f.image(o.image)
	if err != nil {
		return err
	}
	store, err := f.Store(ctx)
	if err != nil {
		return err
	}
	commit, dirty, _ := version.GitCommit(ctx, p.Dir)
	v, reason, err := decideVersion(ctx, store, p, img, o.version, o.bump)
	if err != nil {
		return err
	}
	eng, err := f.Engine(ctx)
	if err != nil {
		return err
	}
	if dirty {
		reason += "; the git tree has uncommitted changes"
	}
	r := &release.Releaser{Project: p, Store: store, Engine: eng, Operation: f.Operation, User: f.User(), Progress: f.Progress()}
	rel, err := r.Release(ctx, release.Options{
		Image: img, Version: v.String(), GitCommit: commit, GitDirty: dirty, Source: p.Dir, Reason: reason, Force: o.force,
	})
	if err != nil {
		if errors.Is(err, release.ErrValidationFailed) {
			_ = f.render(releaseResult{Release: rel, Reason: reason}, func(io.Writer) {})
		}
		return err
	}
	res := releaseResult{Release: rel, Reason: reason}
	if !o.noTag && commit != "" {
		if err := version.Tag(ctx, p.Dir, img.Name, v, commit); err != nil {
			fmt.Fprintf(f.Err, "note: release recorded, but the git tag was not created: %v\n", err)
		} else {
			res.GitTag = version.TagName(img.Name, v)
		}
	}
	return f.render(res, func(w io.Writer) {
		fmt.Fprintf(w, "released %s@%s\t%s\n", rel.Image, rel.Version, rel.Reference)
		if rel.Provenance.ReusedFrom != "" {
			fmt.Fprintf(w, "reused\tthe artifact of %s (inputs unchanged)\n", rel.Provenance.ReusedFrom)
		}
		if res.GitTag != "" {
			fmt.Fprintf(w, "tagged\t%s\n", res.GitTag)
		}
	})
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
