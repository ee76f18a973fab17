package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/promote"
)

func newCmdApprove(f *Factory) *cobra.Command {
	var env, key string
	cmd := &cobra.Command{
		Use:   "approve IMAGE@VERSION --env ENV",
		Short: "Record a manual approval for a release to enter an environment",
		Long: `Environments with "gates: {approval: true}" in bake.yaml take a release only
after someone approved it for them. The approval is recorded with who and when.
When bake.yaml lists signing.approvers, an approval is signed with the
approver's private key (--key FILE, else BAKE_SIGNING_KEY or
BAKE_SIGNING_KEY_FILE) and recorded under that approver's name.`,
		Example:           "  bake approve hello@1.2.0 --env prod --key ~/.bake/ann.key",
		Args:              exactArgs(1, "IMAGE@VERSION"),
		ValidArgsFunction: completeArgs(f, releaseRefs(true)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runApprove(cmd.Context(), f, args[0], env, key)
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "environment the approval is for (required)")
	_ = cmd.RegisterFlagCompletionFunc("env", completeFlag(f, envNames))
	_ = cmd.MarkFlagRequired("env")
	cmd.Flags().StringVar(&key, "key", "", "approver's private key file, when bake.yaml lists signing.approvers")
	return cmd
}

func runApprove(ctx context.Context, f *Factory, ref, env, keyFile string) error {
	p, rel, err := f.release(ctx, ref)
	if err != nil {
		return err
	}
	if _, err := environment(p, env); err != nil {
		return err
	}
	store, _ := f.Store(ctx)
	a := ledger.Approval{Image: rel.Image, Version: rel.Version, Env: env, By: f.User(), At: time.Now().UTC()}
	if a, err = f.signApproval(p, rel, a, keyFile); err != nil {
		return err
	}
	a, already, err := promote.Approve(ctx, p, store, rel, a)
	if err != nil {
		return fmt.Errorf("approving %s@%s for %q: %w", rel.Image, rel.Version, env, err)
	}
	return f.render(SchemaApproval, a, func(w io.Writer) {
		if already {
			fmt.Fprintf(w, "%s@%s is already approved for %s, by %s at %s: nothing recorded\n", a.Image, a.Version, a.Env, a.By,
				a.At.Local().Format(time.DateTime))
			return
		}
		fmt.Fprintf(w, "%s approved %s@%s for %s\n", a.By, a.Image, a.Version, a.Env)
	})
}
