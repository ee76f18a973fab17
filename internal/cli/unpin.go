package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/ledger"
)

func newCmdUnpin(f *Factory) *cobra.Command {
	var env, reason string
	cmd := &cobra.Command{
		Use:   "unpin IMAGE --env ENV",
		Short: "Let `promote --from` move an environment forward again after a rollback",
		Long: `A rollback (manual or automatic) pins the environment to the release it went
back to: "bake promote IMAGE --from ENV --to ENV" refuses to move it forward,
so an automatic promotion never undoes a rollback. A promote of an explicit
version (IMAGE@VERSION) also ends the pin. The unpin is recorded with who and when.`,
		Example:           `  bake unpin hello --env prod --reason "1.2.1 fixes the leak"`,
		Args:              exactArgs(1, "IMAGE"),
		ValidArgsFunction: completeArgs(f, imageNames),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runUnpin(cmd.Context(), f, args[0], env, reason)
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "environment to unpin (required)")
	_ = cmd.RegisterFlagCompletionFunc("env", completeFlag(f, envNames))
	cmd.Flags().StringVar(&reason, "reason", "unpinned", "why, recorded with the unpin")
	_ = cmd.MarkFlagRequired("env")
	return cmd
}

func runUnpin(ctx context.Context, f *Factory, image, envName, reason string) error {
	p, _, err := f.image(image)
	if err != nil {
		return err
	}
	if _, err := environment(p, envName); err != nil {
		return err
	}
	store, err := f.Store(ctx)
	if err != nil {
		return err
	}
	pin, err := store.Pin(ctx, image, envName)
	switch {
	case errors.Is(err, ledger.ErrNotFound) || (err == nil && !pin.Pinned):
		return f.render(SchemaUnpin, ledger.Pin{Image: image, Env: envName}, func(w io.Writer) {
			fmt.Fprintf(w, "%s in %q is not pinned\n", image, envName)
		})
	case err != nil:
		return err
	}
	un := ledger.Pin{Image: image, Env: envName, Version: pin.Version, Reason: reason, By: f.User()}
	if err := store.SetPin(ctx, un); err != nil {
		return err
	}
	return f.render(SchemaUnpin, un, func(w io.Writer) {
		fmt.Fprintf(w, "%s in %q is no longer pinned to %s; `bake promote %s --from ENV --to %s` may move it forward\n",
			image, envName, pin.Version, image, envName)
	})
}
