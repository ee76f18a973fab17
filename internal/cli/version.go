package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/builder"
)

// Version and Commit are bake's own version and the git commit it was built
// from, set at link time by `make build`:
//
//	-ldflags "-X github.com/bakehq/bake/internal/cli.Version=v1.2.3 -X github.com/bakehq/bake/internal/cli.Commit=abc123"
//
// Without them, the build's own record (go build's VCS stamp) fills in what it knows.
var (
	Version = "dev"
	Commit  = ""
)

// buildVersion is what `bake version` and `bake --version` print.
type buildVersion struct {
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	Go      string `json:"go"`
	Builder string `json:"builder"`
}

func currentVersion() buildVersion {
	v := buildVersion{Version: Version, Commit: Commit, Go: runtime.Version(), Builder: builder.Version}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if v.Version == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		v.Version = info.Main.Version
	}
	if v.Commit == "" {
		modified := false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Commit = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if v.Commit != "" && modified {
			v.Commit += "-dirty"
		}
	}
	return v
}

// String is the one line bake prints for its version.
func (v buildVersion) String() string {
	commit := v.Commit
	if commit == "" {
		commit = "unknown commit"
	}
	return fmt.Sprintf("bake %s (%s, %s, %s)", v.Version, commit, v.Go, v.Builder)
}

func newCmdVersion(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print bake's version, the commit it was built from, and its Go version",
		Example: `  bake version
  bake version -o json`,
		Args:              exactArgs(0, "no arguments"),
		ValidArgsFunction: noFiles,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := currentVersion()
			return f.render(SchemaVersion, v, func(w io.Writer) { fmt.Fprintln(w, v) })
		},
	}
}
