package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/promote"
)

// lockResult is what `bake lock` and `bake unlock` print with -o json: the
// lock concerned, and whether this run recorded anything.
type lockResult struct {
	Env      string         `json:"env"`
	Locked   bool           `json:"locked"` // whether env is locked now
	Lock     *ledger.Freeze `json:"lock,omitempty"`
	Recorded bool           `json:"recorded"`
}

func newCmdLock(f *Factory) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "lock ENV --reason TEXT",
		Short: "Refuse promotions into an environment until `bake unlock` (rollbacks still run)",
		Long: `Lock an environment during an incident: every promotion into it is refused
(exit 3) with who locked it, when and why, until ` + "`bake unlock ENV`" + `.
Rollbacks are still allowed. The lock is recorded in the ledger, so everyone
who shares it sees it in ` + "`bake status`" + ` and ` + "`bake history`" + `.
A promotion already under way is not stopped.`,
		Example:           `  bake lock prod --reason "incident 42: checkout errors"`,
		Args:              exactArgs(1, "ENV"),
		ValidArgsFunction: completeArgs(f, envNames),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLock(cmd.Context(), f, args[0], reason)
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why, shown to whoever tries to promote (required)")
	_ = cmd.MarkFlagRequired("reason")
	return cmd
}

func runLock(ctx context.Context, f *Factory, env, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return &usageError{"lock: --reason is empty: say why, for whoever tries to promote (see `bake lock --help`)"}
	}
	store, err := envLedger(ctx, f, env)
	if err != nil {
		return err
	}
	lock, already, err := promote.LockEnv(ctx, store, env, reason, f.User())
	if err != nil {
		return err
	}
	return f.render(SchemaLock, lockResult{Env: env, Locked: true, Lock: &lock, Recorded: !already}, func(w io.Writer) {
		if already {
			fmt.Fprintf(w, "%q is already locked by %s since %s: %s; nothing recorded\n", env, lock.By, when(lock.At), lock.Reason)
			return
		}
		fmt.Fprintf(w, "locked %q: promotions are refused until `bake unlock %s`; rollbacks still run\n", env, env)
	})
}

func when(t time.Time) string { return t.Local().Format(time.DateTime) }

// envLedger checks that env is one of bake.yaml's environments and opens
// the ledger, which lock and unlock both write to.
func envLedger(ctx context.Context, f *Factory, env string) (ledger.Store, error) {
	p, err := f.Project()
	if err != nil {
		return nil, err
	}
	if _, err := environment(p, env); err != nil {
		return nil, err
	}
	return f.Store(ctx)
}
