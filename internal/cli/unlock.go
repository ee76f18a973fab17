package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/promote"
)

func newCmdUnlock(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "unlock ENV",
		Short: "Let promotions into an environment go ahead again after `bake lock`",
		Long: `Lift the lock ` + "`bake lock`" + ` put on an environment. The unlock is recorded
with who and when. Unlocking an environment that is not locked says so,
records nothing and exits 0, so a runbook may always end with it.`,
		Example:           `  bake unlock prod`,
		Args:              exactArgs(1, "ENV"),
		ValidArgsFunction: completeArgs(f, envNames),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runUnlock(cmd.Context(), f, args[0])
		},
	}
}

func runUnlock(ctx context.Context, f *Factory, env string) error {
	store, err := envLedger(ctx, f, env)
	if err != nil {
		return err
	}
	lifted, err := promote.UnlockEnv(ctx, store, env, f.User())
	if err != nil {
		return err
	}
	return f.render(SchemaLock, lockResult{Env: env, Lock: lifted, Recorded: lifted != nil}, func(w io.Writer) {
		if lifted == nil {
			fmt.Fprintf(w, "%q is not locked; nothing recorded\n", env)
			return
		}
		fmt.Fprintf(w, "unlocked %q (locked by %s since %s: %s); promotions may enter it again\n",
			env, lifted.By, when(lifted.At), lifted.Reason)
	})
}
