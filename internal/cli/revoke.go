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

func newCmdRevoke(f *Factory) *cobra.Command {
	var reason, key string
	cmd := &cobra.Command{
		Use:   "revoke IMAGE@VERSION --reason TEXT",
		Short: "Mark a release that must never be promoted again",
		Long: `A revoked release is refused by every promotion, for good. bake status warns
about every environment that still runs one: roll it back or promote a fix.
When bake.yaml lists signing.approvers, only an approver may revoke: the
revocation is signed with their key (--key FILE, else BAKE_SIGNING_KEY or
BAKE_SIGNING_KEY_FILE) and recorded under their name.`,
		Example:           `  bake revoke hello@1.2.0 --reason "leaks memory under load"`,
		Args:              exactArgs(1, "IMAGE@VERSION"),
		ValidArgsFunction: completeArgs(f, releaseRefs(true)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRevoke(cmd.Context(), f, args[0], reason, key)
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why it is revoked (required)")
	_ = cmd.MarkFlagRequired("reason")
	cmd.Flags().StringVar(&key, "key", "", "approver's private key file, when bake.yaml lists signing.approvers")
	return cmd
}

func runRevoke(ctx context.Context, f *Factory, ref, reason, keyFile string) error {
	if reason == "" {
		return &usageError{"revoke: --reason must say why"}
	}
	p, rel, err := f.release(ctx, ref)
	if err != nil {
		return err
	}
	if err := f.confirm(fmt.Sprintf("bake revoke: revoke %s@%s for good (no promote will take it again)", rel.Image, rel.Version)); err != nil {
		return err
	}
	store, _ := f.Store(ctx)
	r := ledger.Revocation{Image: rel.Image, Version: rel.Version, Reason: reason, By: f.User(), At: time.Now().UTC()}
	if r, err = f.signRevocation(p, r, keyFile); err != nil {
		return err
	}
	if err := promote.Revoke(ctx, p, store, r); err != nil {
		return err
	}
	return f.render(SchemaRevocation, r, func(w io.Writer) {
		fmt.Fprintf(w, "%s revoked %s@%s: %s\n", r.By, r.Image, r.Version, r.Reason)
	})
}
