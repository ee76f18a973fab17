package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/bakehq/bake/internal/ledger"
)

// SetFreeze appends a lock or unlock record of an environment.
func (s *Store) SetFreeze(ctx context.Context, f ledger.Freeze) error {
	if err := ledger.ValidateFreeze(&f); err != nil {
		return err
	}
	err := s.record(ctx, func(tx *sql.Tx) (ledger.Entry, error) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO freezes (env, locked, reason, by_user, at) VALUES (?, ?, ?, ?, ?)`,
			f.Env, f.Locked, f.Reason, f.By, ledger.FormatTime(f.At)); err != nil {
			return ledger.Entry{}, err
		}
		return ledger.FreezeEntry(f)
	})
	if err != nil {
		return fmt.Errorf("recording the lock of %q: %w", f.Env, s.storageError(err))
	}
	return nil
}

// Freezes lists the lock and unlock records of env, oldest first.
func (s *Store) Freezes(ctx context.Context, env string) ([]ledger.Freeze, error) {
	fs, err := readFreezes(ctx, s.db, env)
	if err != nil {
		return nil, fmt.Errorf("reading the locks of %q: %w", env, err)
	}
	return fs, nil
}

// readFreezes reads the freeze records of env ("" for every environment),
// in the order they were recorded.
func readFreezes(ctx context.Context, q querier, env string) ([]ledger.Freeze, error) {
	query, args := `SELECT env, locked, reason, by_user, at FROM freezes ORDER BY id`, []any(nil)
	if env != "" {
		query, args = `SELECT env, locked, reason, by_user, at FROM freezes WHERE env = ? ORDER BY id`, []any{env}
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	out := []ledger.Freeze{}
	for rows.Next() {
		var (
			f  ledger.Freeze
			at string
		)
		if err := rows.Scan(&f.Env, &f.Locked, &f.Reason, &f.By, &at); err != nil {
			return nil, err
		}
		if f.At, err = ledger.ParseTime(at); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
