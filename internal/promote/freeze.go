package promote

import (
	"context"
	"fmt"
	"time"

	"github.com/bakehq/bake/internal/ledger"
)

// FreezeGate says whether env is locked against promotions (`bake lock`):
// while it is, no promotion enters it; rollbacks, which are how an
// incident ends, never ask this gate.
func FreezeGate(ctx context.Context, store ledger.Store, env string) (Gate, error) {
	f, err := ledger.FreezeInForce(ctx, store, env)
	if err != nil {
		return Gate{}, err
	}
	if f == nil {
		return Gate{Name: "not locked", Passed: true, Detail: fmt.Sprintf("%q is not locked", env)}, nil
	}
	return Gate{Name: "not locked", Detail: fmt.Sprintf("%q is locked by %s since %s: %s; `bake unlock %s` lifts it",
		env, f.By, f.At.Local().Format(time.DateTime), f.Reason, env)}, nil
}

// checkGate runs gate and turns an unmet gate into a refusal.
func checkGate(g Gate, err error) error {
	if err == nil && !g.Passed {
		err = fmt.Errorf("%w: %s: %s", ErrRefused, g.Name, g.Detail)
	}
	return err
}

// LockEnv records that env is locked against promotions, by whom and why.
// When env is locked already it records nothing and returns the lock in
// force with already set: a second lock would only hide the first reason.
func LockEnv(ctx context.Context, store ledger.Store, env, reason, by string) (f ledger.Freeze, already bool, err error) {
	inForce, err := ledger.FreezeInForce(ctx, store, env)
	if err != nil {
		return ledger.Freeze{}, false, err
	}
	if inForce != nil {
		return *inForce, true, nil
	}
	f = ledger.Freeze{Env: env, Locked: true, Reason: reason, By: by, At: time.Now()}
	if err := store.SetFreeze(ctx, f); err != nil {
		return ledger.Freeze{}, false, err
	}
	return f, false, nil
}

// UnlockEnv lifts the lock on env and returns the lock it lifted; when env
// is not locked it records nothing and returns nil.
func UnlockEnv(ctx context.Context, store ledger.Store, env, by string) (*ledger.Freeze, error) {
	inForce, err := ledger.FreezeInForce(ctx, store, env)
	if err != nil || inForce == nil {
		return nil, err
	}
	if err := store.SetFreeze(ctx, ledger.Freeze{Env: env, By: by, At: time.Now()}); err != nil {
		return nil, err
	}
	return inForce, nil
}
