package cli

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/artifact"
	"github.com/bakehq/bake/internal/status"
)

func newCmdShow(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "show IMAGE@VERSION",
		Short: "Show everything recorded about a release: artifact, provenance, checks, where it runs",
		Example: `  bake show hello@1.2.0
  bake show hello@1.2.0 -o json`,
		Args:              exactArgs(1, "IMAGE@VERSION"),
		ValidArgsFunction: completeArgs(f, releaseRefs(false)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runShow(cmd.Context(), f, args[0])
		},
	}
}

// showResult is the release as `bake show` prints it.
type showResult struct {
	status.Release
}

func runShow(ctx context.Context, f *Factory, ref string) error {
	p, rel, err := f.release(ctx, ref)
	if err != nil {
		return err
	}
	store, _ := f.Store(ctx)
	described, err := status.Describe(ctx, p, store, rel)
	if err != nil {
		return err
	}
	res := showResult{Release: described}
	return f.render(SchemaShow, res, func(w io.Writer) { printRelease(w, res) })
}

func printRelease(w io.Writer, res showResult) {
	r, pv := res.Release, res.Provenance
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%s\t%s\n", k, v)
		}
	}
	row("release", r.Image+"@"+r.Version)
	row("status", r.Status)
	if rv := res.Revoked; rv != nil {
		row("revoked", "by "+rv.By+" at "+rv.At.Local().Format(time.DateTime)+": "+rv.Reason+" (never promoted or rolled back to again)")
	}
	row("digest", r.Digest)
	row("reference", r.Reference)
	for _, p := range pv.Platforms {
		if r.Reference == "" {
			// A release that failed validation was never pushed: its
			// platforms' digests name what was built and checked.
			row("platform "+p.Platform, p.Digest+" (built, not pushed)")
			continue
		}
		row("platform "+p.Platform, p.Digest)
	}
	for _, env := range slices.Sorted(maps.Keys(res.Copies)) {
		row("copy for "+env, res.Copies[env])
	}
	if len(r.AMIs) > 0 {
		row("amis", artifact.AMIList(r.AMIs))
	}
	if rm := res.AMIsRemoved; rm != nil {
		row("amis removed", "by "+rm.By+" at "+rm.At.Local().Format(time.DateTime)+" (`bake gc --amis`): promote and rollback refuse it; `bake release "+r.Image+"` builds the image anew")
	}
	row("inputs digest", r.InputsDigest)
	row("template digest", pv.TemplateDigest)
	row("base", r.Base)
	commit := r.GitCommit
	if commit != "" && pv.GitDirty {
		commit += " (with uncommitted changes)"
	}
	row("git commit", commit)
	if pv.Builder != "" {
		row("builder", pv.Builder+" ("+pv.BuilderVersion+")")
	}
	if !pv.BuiltAt.IsZero() {
		row("built", pv.BuiltAt.Local().Format(time.DateTime)+" in "+pv.BuildDuration.Round(100*time.Millisecond).String())
	}
	row("reuses the artifact of", pv.ReusedFrom)
	row("recorded", r.CreatedAt.Local().Format(time.DateTime)+" by "+r.CreatedBy)
	row("signed", res.Signed)
	row("runs in", strings.Join(res.RunsIn, ", "))
	if len(res.WarmIn) > 0 {
		row("kept warm in", strings.Join(res.WarmIn, ", ")+" (running out of traffic, for rollback)")
	}
	for _, a := range res.Approvals {
		row("approved for "+a.Env, "by "+a.By+" at "+a.At.Local().Format(time.DateTime))
	}
	fmt.Fprintln(w, "checks")
	for _, c := range r.Checks {
		mark := "ok"
		if !c.Passed {
			mark = "FAIL"
		}
		on := ""
		if c.Platform != "" {
			on = " on " + c.Platform
		}
		fmt.Fprintf(w, "  %s\t%s %s%s: %s\n", mark, c.Kind, c.Name, on, c.Detail)
	}
}
