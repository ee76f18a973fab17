package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

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
		Long: `Runs the image's checks against the recorded artifact (by digest) in a new
sandbox and prints the verdict. The recorded release itself is immutable: its
verdict from release time stays as it was.`,
		Args: exactArgs(1, "IMAGE@VERSION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runValidate(cmd.Context(), f, args[0], reports, keep)
		},
	}
	cmd.Flags().StringArrayVar(&reports, "report", nil, "also write the check results as FORMAT=PATH (junit=checks.xml)")
	cmd.Flags().BoolVar(&keep, "keep-on-failure", false, "keep a failed sandbox running for debugging (prints how to reach and remove it)")
	return cmd
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
	if rel.Reference == "" {
		return fmt.Errorf("%s@%s %s validation when it was released and was never published", rel.Image, rel.Version, rel.Status)
	}
	eng, err := f.Engine(ctx)
	if err != nil {
		return err
	}
	if err := engine.EnsureImage(ctx, eng, rel.Reference); err != nil {
		return err
	}
	sb := &sandbox.Sandbox{Engine: eng, Project: p.Name, Operation: f.Operation, Progress: f.Progress(), KeepOnFailure: keep}
	results, err := sb.Validate(ctx, sandbox.Subject{Image: p.Image(rel.Image), Ref: rel.Reference, Version: rel.Version})
	if err != nil {
		return err
	}
	out := struct {
		Release string               `json:"release"`
		Passed  bool                 `json:"passed"`
		Checks  []ledger.CheckResult `json:"checks"`
	}{rel.Image + "@" + rel.Version, sandbox.Passed(results), results}
	if err := report.Write(reports, out.Release, results); err != nil {
		return err
	}
	if err := f.render(out, func(w io.Writer) {
		for _, c := range results {
			fmt.Fprintf(w, "%s\t%s\t%s\n", map[bool]string{true: "ok", false: "FAIL"}[c.Passed], c.Name, c.Detail)
		}
	}); err != nil {
		return err
	}
	if !out.Passed {
		return fmt.Errorf("%w: %s", release.ErrValidationFailed, out.Release)
	}
	return nil
}
