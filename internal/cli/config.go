package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

func newCmdConfig(f *Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Work with bake.yaml",
		Example: "  bake config validate\n  bake config validate --config ci/bake.yaml\n  bake config schema > bake.schema.json"}
	cmd.AddCommand(&cobra.Command{
		Use:   "validate",
		Short: "Check bake.yaml and the image definitions it names",
		Example: `  bake config validate
  bake config validate -o json`,
		Args:              exactArgs(0, "no arguments"),
		ValidArgsFunction: noFiles,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := f.Project()
			if err != nil {
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
