package dynamodb

import (
	"context"
	"fmt"

	"github.com/bakehq/bake/internal/ledger"
)

// freezesPK is the item that holds the lock and unlock records of an
// environment, as one list, latest last.
func freezesPK(env string) string { return "freezes#" + env }

const freezesSK = "freezes"

// SetFreeze appends a lock or unlock record of an environment.
func (s *Store) SetFreeze(ctx context.Context, f ledger.Freeze) error {
	if err := ledger.ValidateFreeze(&f); err != nil {
		return err
	}
	if err := appendToList(ctx, s, freezesPK(f.Env), freezesSK, "freezes", f, ledger.FreezeEntry); err != nil {
		return fmt.Errorf("recording the lock of %q: %w", f.Env, err)
	}
	return nil
}

// Freezes lists the lock and unlock records of env, oldest first.
func (s *Store) Freezes(ctx context.Context, env string) ([]ledger.Freeze, error) {
	fs := []ledger.Freeze{}
	if err := s.readList(ctx, freezesPK(env), freezesSK, "freezes", &fs); err != nil {
		return nil, fmt.Errorf("reading the locks of %q: %w", env, err)
	}
	return fs, nil
}
