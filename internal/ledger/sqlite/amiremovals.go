package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/bakehq/bake/internal/ledger"
)

// RecordAMIRemoval records that every AMI of a release was deregistered.
func (s *Store) RecordAMIRemoval(ctx context.Context, r ledger.AMIRemoval) error {
	if err := ledger.ValidateAMIRemoval(&r); err != nil {
		return err
	}
	amis, err := json.Marshal(r.AMIs)
	if err != nil {
		return fmt.Errorf("recording the removal of the AMIs of %s@%s: %w", r.Image, r.Version, err)
	}
	err = s.record(ctx, func(tx *sql.Tx) (ledger.Entry, error) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO ami_removals (image, version, amis, operation, by_user, at)
			VALUES (?, ?, ?, ?, ?, ?)`, r.Image, r.Version, string(amis), r.Operation, r.By, ledger.FormatTime(r.At)); err != nil {
			return ledger.Entry{}, err
		}
		return ledger.AMIRemovalEntry(r)
	})
	switch sqliteCode(err) {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return fmt.Errorf("recording the removal of the AMIs of %s@%s: %w", r.Image, r.Version, ledger.ErrExists)
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return fmt.Errorf("recording the removal of the AMIs of %s@%s: %w", r.Image, r.Version, ledger.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("recording the removal of the AMIs of %s@%s: %w", r.Image, r.Version, s.storageError(err))
	}
	return nil
}

// AMIRemoval returns the AMI removal of image@version; ErrNotFound if none.
func (s *Store) AMIRemoval(ctx context.Context, image, version string) (ledger.AMIRemoval, error) {
	rs, err := readAMIRemovals(ctx, s.db, image, version)
	if err != nil {
		return ledger.AMIRemoval{}, fmt.Errorf("reading the AMI removal of %s@%s: %w", image, version, err)
	}
	if len(rs) == 0 {
		return ledger.AMIRemoval{}, fmt.Errorf("AMI removal of %s@%s: %w", image, version, ledger.ErrNotFound)
	}
	return rs[0], nil
}

// readAMIRemovals reads the AMI removal of image@version, or with image ""
// every one, in the order they were recorded.
func readAMIRemovals(ctx context.Context, q querier, image, version string) ([]ledger.AMIRemoval, error) {
	query, args := `SELECT image, version, amis, operation, by_user, at FROM ami_removals ORDER BY rowid`, []any(nil)
	if image != "" {
		query, args = `SELECT image, version, amis, operation, by_user, at FROM ami_removals WHERE image = ? AND version = ?`, []any{image, version}
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	var out []ledger.AMIRemoval
	for rows.Next() {
		var (
			r        ledger.AMIRemoval
			amis, at string
		)
		if err := rows.Scan(&r.Image, &r.Version, &amis, &r.Operation, &r.By, &at); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(amis), &r.AMIs); err != nil {
			return nil, fmt.Errorf("decoding the AMIs of %s@%s: %w", r.Image, r.Version, err)
		}
		if r.At, err = ledger.ParseTime(at); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
