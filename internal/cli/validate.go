package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/release"
	"github.com/bakehq/bake/internal/report"
	"github.com/bakehq/bake/internal/sandbox"
)

func newCmdValidate(f *Factory) *cobra.Command {
	var reports []string
	var keep bool
	cmd := &cobra.Command{
		Use:   "validate IMAGE@VERSION",
		Short: "Run a recorded release's checks again in a throwaway sandbox",
		Long: `Runs the image's checks against the recorded artifact in a new sandbox: a
container from its digest, or for an AMI release an EC2 instance launched from
its AMI (always terminated). Prints the verdict. The recorded release itself is
immutable: its verdict from release time stays as it was.`,
		Example: `  bake validate hello@1.2.0
  bake validate hello@1.2.0 --report junit=checks.xml --keep-on-failure`,
		Args:              exactArgs(1, "IMAGE@VERSION"),
		ValidArgsFunction: completeArgs(f, releaseRefs(false)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runValidate(cmd.Context(), f, args[0], reports, keep)
		},
	}
	cmd.Flags().StringArrayVar(&reports, "report", nil, "also write the check results as FORMAT=PATH (junit=checks.xml)")
	_ = cmd.RegisterFlagCompletionFunc("report", reportValues)
	cmd.Flags().BoolVar(&keep, "keep-on-failure", false, "keep a failed sandbox running for debugging (prints how to reach and remove it)")
	return cmd
}

// validateResult is the verdict validate prints.
type validateResult struct {
	Release string               `json:"release"`
	Passed  bool                 `json:"passed"`
	Checks  []ledger.CheckResult `json:"checks"`
}

func runValidate(ctx context.Context, f *Factory, ref string, reportFlags []string, keep bool) error {
	reports, err := report.Parse(reportFlags)
	if err != nil {
		return err
	}
	p, rel, err := f.release(ctx, ref)
	if err != nil {
		return err
	}
	var results []ledger.CheckResult
	switch {
	case len(rel.AMIs) > 0:
		results, err = validateAMIs(ctx, f, p, rel, keep)
	case rel.Reference == "":
		return fmt.Errorf("%s@%s %s validation when it was released and was never published", rel.Image, rel.Version, rel.Status)
	default:
		results, err = validateImage(ctx, f, p, rel, keep)
	}
	if err != nil {
		return err
	}
	out := validateResult{rel.Image + "@" + rel.Version, sandbox.Passed(results), results}
	if err := report.Write(reports, out.Release, results); err != nil {
		return err
	}
	// Each check's result was printed as it ran (progress, on stderr); the
	// text result is the verdict alone, so no check is printed twice.
	if err := f.render(SchemaValidate, out, func(w io.Writer) {
		passed := 0
		for _, c := range results {
			if c.Passed {
				passed++
			}
		}
		verdict := "validated"
		if !out.Passed {
			verdict = "failed"
		}
		fmt.Fprintf(w, "%s %s\t%d of %d checks passed\n", verdict, out.Release, passed, len(results))
	}); err != nil {
		return err
	}
	if !out.Passed {
		return fmt.Errorf("%w: %s", release.ErrValidationFailed, out.Release)
	}
	return nil
}

func validateImage(ctx context.Context, f *Factory, p *config.Project, rel ledger.Release, keep bool) ([]ledger.CheckResult, error) {
	eng, err := f.Engine(ctx)
	if err != nil {
		return nil, err
	}
	sb := &sandbox.Sandbox{Engine: eng, Project: p.Name, Operation: f.Operation, Progress: f.Progress(), KeepOnFailure: keep}
	if len(rel.Provenance.Platforms) > 0 {
		return release.PlatformChecks(ctx, sb, p.Image(rel.Image), rel)
	}
	if err := engine.EnsureImage(ctx, eng, rel.Reference); err != nil {
		return nil, err
	}
	return sb.Validate(ctx, sandbox.Subject{Image: p.Image(rel.Image), Ref: rel.Reference, Version: rel.Version})
}

// validateAMIs runs the checks on an instance launched from the release's
// AMI in the project's region; the instance is always terminated.
func validateAMIs(ctx context.Context, f *Factory, p *config.Project, rel ledger.Release, keep bool) ([]ledger.CheckResult, error) {
	if keep {
		fmt.Fprintln(f.Progress(), "--keep-on-failure keeps no EC2 sandbox: the instance is terminated in every case")
	}
	clients, err := f.AWS(ctx)
	if err != nil {
		return nil, err
	}
	sb := &sandbox.EC2{EC2: clients.EC2, SSM: clients.SSM, Region: clients.Config.Region,
		Project: p.Name, Operation: f.Operation, Progress: f.Progress()}
	results, err := sb.Validate(ctx, sandbox.AMISubject{Image: p.Image(rel.Image), AMIs: rel.AMIs, Version: rel.Version})
	if err != nil {
		return results, fmt.Errorf("validating %s@%s on EC2: %w", rel.Image, rel.Version, err)
	}
	return results, nil
}
