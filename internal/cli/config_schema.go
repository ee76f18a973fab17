package cli

import (
	"github.com/spf13/cobra"

	"github.com/bakehq/bake"
)

func newCmdConfigSchema(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of bake.yaml, which editors check and complete it with",
		Long: "Print the JSON Schema of bake.yaml (draft-07) on stdout: the keys this bake accepts, their\n" +
			"types, defaults and descriptions. bake init writes it as " + schemaFile + " next to bake.yaml,\n" +
			"whose first line points editors at it; run this after upgrading bake to refresh that file.",
		Example:           "  bake config schema > " + schemaFile,
		Args:              exactArgs(0, "no arguments"),
		ValidArgsFunction: noFiles,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := f.Out.Write(bake.Schema)
			return err
		},
	}
}
