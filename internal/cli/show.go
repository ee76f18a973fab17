package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/signing"
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

type showResult struct {
	ledger.Release
	RunsIn []string `json:"runs_in"` // environments whose current deployment is this release
	WarmIn []string `json:"warm_in"` // environments that keep it running out of traffic, for rollback
	// Copies are where it lives besides its reference, by environment: its
	// copy in an environment's own registry, as the last deployment there recorded.
	Copies map[string]string `json:"copies,omitempty"`
	// Approvals are the manual approvals recorded for it, oldest first.
	Approvals []ledger.Approval `json:"approvals"`
	// Revoked is the release's revocation, if it was revoked.
	Revoked *ledger.Revocation `json:"revoked,omitempty"`
	Signed  string             `json:"-"` // who signed it, and whether it verifies, for people
}

func runShow(ctx context.Context, f *Factory, ref string) error {
	p, rel, err := f.release(ctx, ref)
	if err != nil {
		return err
	}
	store, _ := f.Store(ctx)
	res := showResult{Release: rel, RunsIn: []string{}, WarmIn: []string{}, Signed: signedBy(p, rel)}
	for _, env := range p.Environments {
		cur, err := store.Current(ctx, rel.Image, env.Name)
		switch {
		case err != nil:
		case cur.Version == rel.Version:
			res.RunsIn = append(res.RunsIn, env.Name)
		case cur.Previous == rel.Version && env.Retention.Previous == config.KeepWarm:
			// The release it replaced runs on, out of traffic (as status reads it).
			res.WarmIn = append(res.WarmIn, env.Name)
		}
	}
	if res.Copies, err = copies(ctx, store, p, rel); err != nil {
		return err
	}
	if res.Approvals, err = store.Approvals(ctx, rel.Image, rel.Version); err != nil {
		return err
	}
	if res.Revoked, err = revocation(ctx, store, rel.Image, rel.Version); err != nil {
		return err
	}
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
	regions := make([]string, 0, len(r.AMIs))
	for region := range r.AMIs {
		regions = append(regions, region)
	}
	sort.Strings(regions)
	for _, region := range regions {
		row("ami "+region, r.AMIs[region])
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

// signedBy says which key signed rel and, when bake.yaml lists public
// keys, whether the signature verifies: what promote would make of it.
func signedBy(p *config.Project, rel ledger.Release) string {
	keys := p.Signing.PublicKeys
	if rel.Signature == "" {
		if len(keys) > 0 {
			return "no: promote and rollback refuse it (signing.public_keys is set)"
		}
		return ""
	}
	s := "by " + rel.SigningKey
	if len(keys) == 0 {
		return s
	}
	if err := signing.Verify(keys, rel); err != nil {
		return s + "; DOES NOT VERIFY: " + err.Error()
	}
	k, _ := signing.Trusted(keys, rel.SigningKey)
	return s + " (verified with " + k.File + ")"
}

// revocation returns the revocation of image@version, nil if it was never
// revoked.
func revocation(ctx context.Context, store ledger.Store, image, version string) (*ledger.Revocation, error) {
	rv, err := store.Revocation(ctx, image, version)
	switch {
	case errors.Is(err, ledger.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return &rv, nil
}

// copies finds rel's copies in environments' own registries: the newest
// successful deployment of rel in each environment that recorded one.
func copies(ctx context.Context, store ledger.Store, p *config.Project, rel ledger.Release) (map[string]string, error) {
	out := map[string]string{}
	for _, env := range p.Environments {
		if env.Registry == nil {
			continue
		}
		deps, err := store.Deployments(ctx, rel.Image, env.Name)
		if err != nil {
			return nil, err
		}
		for _, d := range deps {
			if d.Version == rel.Version && d.Reference != "" && d.Outcome == ledger.OutcomeSucceeded {
				out[env.Name] = d.Reference
				break
			}
		}
	}
	return out, nil
}
