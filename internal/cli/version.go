package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/builder"
)

// Version is bake's own version, set at link time with -X.
var Version = "dev"

func newCmdVersion(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print bake's version",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := struct {
				Version string `json:"version"`
				Commit  string `json:"commit,omitempty"`
				Go      string `json:"go"`
				Builder string `json:"builder"`
			}{Version: Version, Go: runtime.Version(), Builder: builder.Version}
			if info, ok := debug.ReadBuildInfo(); ok {
				for _, s := range info.Settings {
					if s.Key == "vcs.revision" {
						v.Commit = s.Value
					}
				}
			}
			return f.render(v, func(w io.Writer) {
				fmt.Fprintf(w, "bake %s (%s, %s)\n", v.Version, v.Go, v.Builder)
			})
		},
	}
}
