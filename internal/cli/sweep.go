package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/journal"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/sweep"
)

type sweepOptions struct {
	f           *Factory
	olderThan   time.Duration
	operation   string
	dryRun      bool
	allProjects bool
	aws         bool
	kubernetes  bool
}

func newCmdSweep(f *Factory) *cobra.Command {
	o := &sweepOptions{f: f}
	cmd := &cobra.Command{
		Use:   "sweep [--older-than DURATION | --operation ID] [--dry-run] [--all-projects]",
		Short: "Remove sandbox containers, networks and volumes a killed bake left behind",
		Long: `Finds what a bake run that could not clean up (killed with SIGKILL, a machine
that lost power) left in the Docker engine, and removes it: containers labelled
dev.bake.kind=sandbox (sandboxes and their check containers), and every network
and volume bake labelled, of this project (--all-projects: of every project),
created more than --older-than ago or, with --operation, made by that bake run
whatever their age. The operation id is the dev.bake.operation label.

Replicas (dev.bake.kind=replica) are never swept: environments run them, or
keep them stopped for rollback. A sandbox younger than --older-than may belong
to a bake that is still running, so keep the default unless you know none is.

With --aws it looks in AWS instead (the region of bake.yaml's aws: section, and
every region a release's AMIs were copied to) for what bake runs tagged with
dev.bake.operation: build and sandbox instances, their security groups and key
pairs, launch templates that no Auto Scaling group uses, and AMIs that no
release in the ledger records. Auto Scaling groups and their instances are
never swept. Only what a bake run known here created is removed: one in the
run journal (.bake/operations, next to bake.yaml, where every run that uses
AWS writes its operation id first) or named by the ledger's records; a
resource whose dev.bake.operation no known run had is listed and left alone.
Where bake.yaml has ecs targets it also looks, in their clusters, task
definition families and listeners, for the ECS services, target groups and
task definition revisions of releases that never succeeded in their
environment: a killed promote's. What a recorded deployment runs or keeps
(warm or stopped) stays, and so does a target group a listener sends
requests to (a run killed after its switch: ` + "`bake recover`" + ` deals with
it). A service is scaled to 0 and deleted, a target group taken out of the
forward actions it is in at weight 0 and deleted, a revision deregistered
and deleted.

With --kubernetes it looks in the clusters of bake.yaml's kubernetes targets
for Deployments labelled bake.dev/operation that a killed promote, rollback
or recover left: those no Service selects, whose release never succeeded in
their environment (a Deployment kept for rollback stays), made by a bake run
known here as with --aws.`,
		Example: `  bake sweep --dry-run
  bake sweep --aws --dry-run
  bake sweep --kubernetes --dry-run
  bake sweep --older-than 10m
  bake sweep --operation 3f9a0c1b2d4e`,
		Args:              exactArgs(0, "no arguments"),
		ValidArgsFunction: noFiles,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSweep(cmd.Context(), o)
		},
	}
	cmd.Flags().DurationVar(&o.olderThan, "older-than", time.Hour, "sweep what was created at least this long ago")
	cmd.Flags().StringVar(&o.operation, "operation", "", "sweep what this bake run created, whatever its age")
	cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "print what would be removed and remove nothing")
	cmd.Flags().BoolVar(&o.allProjects, "all-projects", false, "sweep every project, not only bake.yaml's (needs no bake.yaml)")
	cmd.Flags().BoolVar(&o.aws, "aws", false, "sweep AWS instead: build and sandbox instances, their security groups and key pairs, launch templates no group uses, AMIs no release records, and the ECS services, target groups and task definitions killed promotes left")
	cmd.Flags().BoolVar(&o.kubernetes, "kubernetes", false, "sweep the clusters of kubernetes targets instead: Deployments killed runs left that no Service selects and whose release never succeeded there")
	cmd.MarkFlagsMutuallyExclusive("older-than", "operation")
	cmd.MarkFlagsMutuallyExclusive("aws", "kubernetes")
	return cmd
}

// sweepReport is the --output json document.
type sweepReport struct {
	DryRun    bool             `json:"dry_run"`
	Project   string           `json:"project,omitempty"`
	OlderThan string           `json:"older_than,omitempty"`
	Operation string           `json:"operation,omitempty"`
	Leftovers []sweep.Leftover `json:"leftovers"`
	// Younger are the operations whose leftovers are newer than OlderThan,
	// left alone since their bake may still run: a run killed a minute ago
	// is among them, and `--operation` sweeps it.
	Younger []string `json:"younger_operations,omitempty"`
}

func runSweep(ctx context.Context, o *sweepOptions) error {
	f := o.f
	if o.olderThan < 0 {
		return &usageError{fmt.Sprintf("sweep: --older-than %s: must not be negative", o.olderThan)}
	}
	sel := sweep.Selector{OlderThan: o.olderThan, Operation: o.operation}
	if !o.allProjects {
		p, err := f.Project()
		if err != nil {
			return err
		}
		sel.Project = p.Name
	}
	sw, err := o.sweeper(ctx)
	if err != nil {
		return err
	}
	found, err := sw.Find(ctx, sel)
	if err != nil {
		return err
	}
	var removeErr error
	if removable := removableCount(found); !o.dryRun && removable > 0 {
		if err := f.confirm(fmt.Sprintf("bake sweep: remove %s that killed runs left behind (`bake sweep --dry-run` lists them)", leftoverCount(removable))); err != nil {
			return err
		}
		removeErr = sw.Remove(ctx, found)
	}
	report := sweepReport{DryRun: o.dryRun, Project: sel.Project, Operation: sel.Operation, Leftovers: found}
	if report.Leftovers == nil {
		report.Leftovers = []sweep.Leftover{}
	}
	if sel.Operation == "" {
		report.OlderThan = sel.OlderThan.String()
		if !o.aws && sel.OlderThan > 0 {
			report.Younger = youngerOperations(ctx, sw, sel, found)
		}
	}
	if err := f.render(SchemaSweep, report, func(w io.Writer) { sweepText(w, report) }); err != nil {
		return err
	}
	return removeErr
}

// removableCount is how many leftovers sweep would remove: not those it
// leaves alone.
func removableCount(found []sweep.Leftover) int {
	n := 0
	for _, l := range found {
		if l.LeftAlone == "" {
			n++
		}
	}
	return n
}

// leftoverCount says how many leftovers there are, in words.
func leftoverCount(n int) string {
	if n == 1 {
		return "1 leftover"
	}
	return fmt.Sprintf("%d leftovers", n)
}

// finder is what sweeps one place: the Docker engine or AWS.
type finder interface {
	Find(ctx context.Context, sel sweep.Selector) ([]sweep.Leftover, error)
	Remove(ctx context.Context, found []sweep.Leftover) error
}

func (o *sweepOptions) sweeper(ctx context.Context) (finder, error) {
	f := o.f
	if o.kubernetes {
		return o.kubeSweeper(ctx)
	}
	if !o.aws {
		eng, err := f.Engine(ctx)
		if err != nil {
			return nil, err
		}
		return &sweep.Sweeper{Engine: eng}, nil
	}
	if o.allProjects {
		return nil, &usageError{"sweep: --aws sweeps the project in bake.yaml only; leave out --all-projects"}
	}
	p, err := f.Project()
	if err != nil {
		return nil, err
	}
	clients, err := f.AWS(ctx)
	if err != nil {
		return nil, err
	}
	// What the ledger records is never swept, in any region it was copied to.
	// Without a ledger nothing is recorded: a killed first release's
	// leftovers are swept all the same, and no ledger is created.
	recorded := map[string]bool{}
	var regions []string
	store, err := f.Store(ctx)
	var images []*config.Image
	switch {
	case errors.Is(err, ledger.ErrNoLedger):
	case err != nil:
		return nil, err
	default:
		images = p.Images
	}
	for _, img := range images {
		rels, err := store.Releases(ctx, img.Name)
		if err != nil {
			return nil, err
		}
		for _, rel := range rels {
			for region, ami := range rel.AMIs {
				recorded[region+"/"+ami] = true
				if !slices.Contains(regions, region) {
					regions = append(regions, region)
				}
			}
		}
	}
	known, err := knownOperations(ctx, p, store, images)
	if err != nil {
		return nil, err
	}
	succeeded, err := succeededReleases(ctx, store, images)
	if err != nil {
		return nil, err
	}
	return &sweep.AWSSweeper{Clients: clients, Regions: regions, ECS: ecsPlaces(p),
		Recorded:  func(region, ami string) bool { return recorded[region+"/"+ami] },
		Known:     func(op string) bool { return known[op] },
		Succeeded: func(image, env, version string) bool { return succeeded[[3]string{image, env, version}] }}, nil
}

// knownOperations are the bake runs known to have run for p: those in the
// run journal next to bake.yaml, and those whose started records in the
// ledger name them (a promote on another machine).
func knownOperations(ctx context.Context, p *config.Project, store ledger.Store, images []*config.Image) (map[string]bool, error) {
	known, err := journal.Read(journal.Path(p.Dir))
	if err != nil {
		return nil, err
	}
	for _, img := range images {
		deps, err := store.Deployments(ctx, img.Name, "")
		if err != nil {
			return nil, err
		}
		for _, d := range deps {
			if h, ok := promote.ParseHolder(d.Reason); ok && d.Outcome == ledger.OutcomeStarted && h.Operation != "" {
				known[h.Operation] = true
			}
		}
	}
	return known, nil
}

// youngerOperations lists the operations with leftovers newer than
// sel.OlderThan, which found does not hold; nil when the engine cannot say.
func youngerOperations(ctx context.Context, sw finder, sel sweep.Selector, found []sweep.Leftover) []string {
	sel.OlderThan = 0
	all, err := sw.Find(ctx, sel)
	if err != nil {
		return nil
	}
	old := map[string]bool{}
	for _, l := range found {
		old[l.ID] = true
	}
	var ops []string
	for _, l := range all {
		if !old[l.ID] && !slices.Contains(ops, l.Operation) {
			ops = append(ops, l.Operation)
		}
	}
	return ops
}

func sweepText(w io.Writer, r sweepReport) {
	defer func() {
		if len(r.Younger) > 0 {
			runs := "run"
			if len(r.Younger) > 1 {
				runs = "runs"
			}
			fmt.Fprintf(w, "left alone: what %s %s made, newer than %s, since a bake may still be running "+
				"(if it was killed: `bake sweep --operation %s`)\n", runs, strings.Join(r.Younger, ", "), r.OlderThan, r.Younger[0])
		}
	}()
	if len(r.Leftovers) == 0 {
		fmt.Fprintln(w, "nothing to sweep")
		return
	}
	fmt.Fprintln(w, "RESOURCE\tNAME\tPROJECT\tOPERATION\tAGE\tSTATUS")
	regional := false
	for _, l := range r.Leftovers {
		regional = regional || l.Region != ""
	}
	count := map[sweep.Resource]int{}
	for _, l := range r.Leftovers {
		status, counts := removalStatus(l.Removed, l.Error, r.DryRun)
		if l.LeftAlone != "" {
			status, counts = "left alone: "+l.LeftAlone, false
		}
		if counts {
			count[l.Resource]++
		}
		name := l.Name
		if regional {
			name = fmt.Sprintf("%s (%s, %s)", dash(l.Name), l.ID, l.Region)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", l.Resource, name, dash(l.Project), dash(l.Operation), l.Age, status)
	}
	var parts []string
	for _, res := range []sweep.Resource{sweep.Container, sweep.Network, sweep.Volume,
		sweep.Instance, sweep.SecurityGroup, sweep.KeyPair, sweep.LaunchTemplate, sweep.AMI,
		sweep.ECSService, sweep.TargetGroup, sweep.TaskDefinition, sweep.Deployment} {
		if n := count[res]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s%s", n, res, map[bool]string{true: "s"}[n > 1]))
		}
	}
	summary := "swept " + strings.Join(parts, ", ")
	if r.DryRun {
		summary = "dry run: would sweep " + strings.Join(parts, ", ") + "; nothing was removed"
	}
	if len(parts) == 0 {
		summary = "swept nothing"
	}
	fmt.Fprintln(w, summary)
}
