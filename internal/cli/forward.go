package cli

import (
	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/forward"
)

// newCmdForward is what the sandbox's forwarder container runs: bake's own
// binary, so that no image has to be pulled for it. It is not for users.
func newCmdForward(*Factory) *cobra.Command {
	var listen, to string
	cmd := &cobra.Command{
		Use:    "forward --listen ADDR --to HOST:PORT",
		Short:  "Copy TCP connections from ADDR to HOST:PORT (runs inside the sandbox's forwarder)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return forward.Serve(cmd.Context(), listen, to)
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "address to accept connections on")
	cmd.Flags().StringVar(&to, "to", "", "address to copy them to")
	_ = cmd.MarkFlagRequired("listen")
	_ = cmd.MarkFlagRequired("to")
	return cmd
}
