package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/gc"
)

type gcOptions struct {
	f      *Factory
	dryRun bool
	amis   bool
}

func newCmdGC(f *Factory) *cobra.Command {
	o := &gcOptions{f: f}
	cmd := &cobra.Command{
		Use:   "gc [--dry-run] [--amis]",
		Short: "Remove replicas, local images, registry manifests and AMIs of releases nothing needs",
		Long: `Removes, for the project in bake.yaml, the replica containers, local engine
images and registry manifests (with their tags) of every release that is not
kept. Kept, by digest: what each environment runs; the last K releases that
succeeded there before it (K is the environment's retention.releases, default
3); releases never deployed that are newer than the newest one the first
environment ran (waiting for promotion); the newest release (and the newest
validated one); and the base release of each of these. Untagged images bake built for the project go too.

With --amis (or retention: {amis: true} in bake.yaml) gc also deregisters
the AMIs of the releases it does not keep, in every region the release
recorded, and deletes their snapshots; an AMI that a launch template version
of one of the project's Auto Scaling groups uses (a group kept for rollback,
warm or scaled to zero) is never removed. Such a release stays in history,
with a removal record in the ledger: promote and rollback refuse it, and
` + "`bake release`" + ` builds the image anew.
retention.deprecate_after and retention.protect in bake.yaml set the
deprecation time of AMIs whose release left every environment, and turn
deregistration protection on for what prod runs and off once it does not;
gc applies them before removing (--dry-run lists them as AMI changes).

The ledger is not changed: every release stays in the history. The registry
frees the space of deleted manifests when its own garbage-collect runs.
Run --dry-run first; -o json also lists the kept releases and why.`,
		Example: `  bake gc --dry-run
  bake gc
  bake gc --amis --dry-run -o json`,
		Args:              exactArgs(0, "no arguments"),
		ValidArgsFunction: noFiles,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runGC(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "print what would be removed, and what is kept and why, and remove nothing")
	cmd.Flags().BoolVar(&o.amis, "amis", false, "also deregister the AMIs (and delete the snapshots) of releases nothing needs (retention.amis in bake.yaml)")
	return cmd
}

// gcReport is the --output json document.
type gcReport struct {
	DryRun  bool      `json:"dry_run"`
	Project string    `json:"project"`
	Items   []gc.Item `json:"items"`
	Kept    []gc.Kept `json:"kept"`
	// AMIChanges are what retention.deprecate_after and retention.protect
	// change (or would change) on the AMIs gc keeps.
	AMIChanges []gc.AMIChange `json:"ami_changes"`
}

func runGC(ctx context.Context, o *gcOptions) error {
	f := o.f
	p, err := f.Project()
	if err != nil {
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
	c := &gc.Collector{Project: p, Ledger: store, Engine: eng, AMIs: o.amis || p.Retention.AMIs, User: f.User(), Operation: f.Operation,
		AWS: f.gcAWS}
	if !o.dryRun {
		unlock, err := c.Lock(ctx, f.User())
		if err != nil {
			return err
		}
		defer unlock()
	}
	prot, items, err := c.Find(ctx)
	if err != nil {
		return err
	}
	lifecycle := f.amiLifecycle(p, store)
	changes, err := lifecycle.Find(ctx, "")
	if err != nil {
		return err
	}
	changes = gc.WithoutRemoved(changes, items)
	// As sweep does, ask (or require --yes) only when there is something
	// to remove: with nothing, gc says so and succeeds.
	if !o.dryRun && len(items) > 0 {
		if err := f.confirm(fmt.Sprintf("bake gc: remove %s (replicas, local images, registry manifests, AMIs) of %s's releases nothing needs (`bake gc --dry-run` lists them)", gcCount(len(items), "item"), p.Name)); err != nil {
			return err
		}
	}
	failed := gc.Failed(items)
	if !o.dryRun {
		// Protection comes off before gc deregisters what prod left.
		lerr := lifecycle.Change(ctx, changes)
		failed = errors.Join(lerr, c.Remove(ctx, items))
	}
	report := gcReport{DryRun: o.dryRun, Project: p.Name, Items: items, Kept: prot.Kept, AMIChanges: changes}
	if report.AMIChanges == nil {
		report.AMIChanges = []gc.AMIChange{}
	}
	if report.Items == nil {
		report.Items = []gc.Item{}
	}
	if report.Kept == nil {
		report.Kept = []gc.Kept{}
	}
	if err := f.render(SchemaGC, report, func(w io.Writer) { gcText(w, report) }); err != nil {
		return err
	}
	return failed
}

func gcText(w io.Writer, r gcReport) {
	kept := fmt.Sprintf("kept %s", gcCount(len(r.Kept), "release"))
	if len(r.Items) == 0 {
		gcKept(w, r)
		gcAMIChanges(w, r)
		fmt.Fprintf(w, "nothing to collect; %s\n", kept)
		return
	}
	fmt.Fprintln(w, "KIND\tNAME\tRELEASES\tSTATUS")
	count := map[gc.Kind]int{}
	for _, it := range r.Items {
		status, counts := removalStatus(it.Removed, it.Error, r.DryRun)
		if counts {
			count[it.Kind]++
		}
		releases := strings.Join(it.Releases, ",")
		if releases == "" {
			releases = "untagged " + dash(it.Image)
		}
		if it.Env != "" {
			releases += " in " + it.Env
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", it.Kind, it.Name, releases, status)
	}
	gcKept(w, r)
	gcAMIChanges(w, r)
	var parts []string
	for _, k := range []gc.Kind{gc.Replica, gc.Image, gc.Manifest} {
		if n := count[k]; n > 0 {
			parts = append(parts, gcCount(n, map[gc.Kind]string{gc.Replica: "replica", gc.Image: "image", gc.Manifest: "registry manifest"}[k]))
		}
	}
	if n := count[gc.AMI]; n > 0 {
		parts = append(parts, "the AMIs of "+gcCount(n, "release"))
	}
	switch {
	case len(parts) == 0:
		fmt.Fprintf(w, "removed nothing; %s\n", kept)
	case r.DryRun:
		fmt.Fprintf(w, "dry run: would remove %s; nothing was removed; %s\n", strings.Join(parts, ", "), kept)
	default:
		fmt.Fprintf(w, "removed %s; %s\n", strings.Join(parts, ", "), kept)
	}
}

// gcKept says, on a dry run, which releases are kept and why.
func gcKept(w io.Writer, r gcReport) {
	if !r.DryRun {
		return
	}
	for _, k := range r.Kept {
		fmt.Fprintf(w, "kept %s@%s: %s\n", k.Image, k.Version, strings.Join(k.Reasons, "; "))
	}
}

func gcCount(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
