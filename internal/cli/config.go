package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/builder"
	"github.com/bakehq/bake/internal/builder/ami"
	"github.com/bakehq/bake/internal/config"
)

func newCmdConfig(f *Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Work with bake.yaml",
		Example: "  bake config validate\n  bake config validate --config ci/bake.yaml\n  bake config schema > bake.schema.json"}
	cmd.AddCommand(&cobra.Command{
		Use:   "validate",
		Short: "Check bake.yaml and the image definitions it names",
		Long: `Checks bake.yaml and the image definitions it names, and reads each native
AMI recipe (ami.yaml) as a build would. With an AWS region set (aws.region or
AWS_REGION), it also asks EC2 whether the region offers each instance type and
whether each subnet, security group and source image exists: every mistake is
one line at its place, exit 2. It creates nothing.`,
		Example: `  bake config validate
  bake config validate -o json`,
		Args:              exactArgs(0, "no arguments"),
		ValidArgsFunction: noFiles,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := f.Project()
			if err != nil {
				return err
			}
			if err := checkAMIRecipes(cmd.Context(), f, p); err != nil {
				return err
			}
			res := configResult{p.File, true, len(p.Images), len(p.Environments)}
			return f.render(SchemaConfig, res, func(w io.Writer) {
				fmt.Fprintf(w, "%s is valid: %d images, %d environments\n", p.File, res.Images, res.Environments)
			})
		},
	})
	cmd.AddCommand(newCmdConfigSchema(f))
	return cmd
}

// configResult is what config validate prints.
type configResult struct {
	File         string `json:"file"`
	Valid        bool   `json:"valid"`
	Images       int    `json:"images"`
	Environments int    `json:"environments"`
}

// checkAMIRecipes reads every image's ami.yaml and, when AWS is set up,
// checks it and the image's sandbox settings against EC2.
func checkAMIRecipes(ctx context.Context, f *Factory, p *config.Project) error {
	var clients *awsx.Clients
	var errs []error
	for _, img := range p.Images {
		if !ami.IsTemplate(img.Template) {
			continue
		}
		if clients == nil {
			// Not f.AWS: validating creates nothing, so it is no run to journal.
			cfg, err := awsx.Load(ctx, awsx.Settings{Region: p.AWS.Region, Endpoint: p.AWS.Endpoint}, &f.AWSCalls)
			switch {
			case errors.Is(err, awsx.ErrNoRegion):
			case err != nil:
				return err
			default:
				clients = awsx.NewClients(cfg)
			}
		}
		spec := builder.Spec{Project: p.Name, Image: img, Version: "0.0.0"}
		if err := ami.Check(ctx, spec, clients); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
