package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	sqlite3 "modernc.org/sqlite/lib"
)

// Approve records a manual approval of image@version for env.
func (s *SQLite) Approve(ctx context.Context, a Approval) error {
	if a.Env == "" || a.By == "" {
		return fmt.Errorf("recording approval of %s@%s: env and approver are required", a.Image, a.Version)
	}
	at := a.At
	if at.IsZero() {
		at = time.Now()
	}
	a.At = at
	err := s.record(ctx, func(tx *sql.Tx) (Entry, error) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO approvals (image, version, env, by_user, at) VALUES (?, ?, ?, ?, ?)`,
			a.Image, a.Version, a.Env, a.By, formatTime(at)); err != nil {
			return Entry{}, err
		}
		return approvalEntry(a)
	})
	if sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
		return fmt.Errorf("recording approval of %s@%s: %w", a.Image, a.Version, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("recording approval of %s@%s: %w", a.Image, a.Version, err)
	}
	return nil
}

// Approvals lists the approvals of image@version, oldest first.
func (s *SQLite) Approvals(ctx context.Context, image, version string) ([]Approval, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT image, version, env, by_user, at FROM approvals
		WHERE image = ? AND version = ? ORDER BY rowid`, image, version)
	if err != nil {
		return nil, fmt.Errorf("listing approvals of %s@%s: %w", image, version, err)
	}
	defer rows.Close()
	out := []Approval{}
	for rows.Next() {
		a, err := scanApproval(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Revoke records that image@version may never be promoted again.
func (s *SQLite) Revoke(ctx context.Context, r Revocation) error {
	if r.Reason == "" || r.By == "" {
		return fmt.Errorf("revoking %s@%s: a reason and who revokes are required", r.Image, r.Version)
	}
	at := r.At
	if at.IsZero() {
		at = time.Now()
	}
	r.At = at
	err := s.record(ctx, func(tx *sql.Tx) (Entry, error) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO revocations (image, version, reason, by_user, at) VALUES (?, ?, ?, ?, ?)`,
			r.Image, r.Version, r.Reason, r.By, formatTime(at)); err != nil {
			return Entry{}, err
		}
		return revocationEntry(r)
	})
	switch sqliteCode(err) {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return fmt.Errorf("revoking %s@%s: %w", r.Image, r.Version, ErrExists)
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return fmt.Errorf("revoking %s@%s: %w", r.Image, r.Version, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("revoking %s@%s: %w", r.Image, r.Version, err)
	}
	return nil
}

// Revocation returns the revocation of image@version; ErrNotFound if none.
func (s *SQLite) Revocation(ctx context.Context, image, version string) (Revocation, error) {
	r, err := scanRevocation(s.db.QueryRowContext(ctx, `SELECT image, version, reason, by_user, at
		FROM revocations WHERE image = ? AND version = ?`, image, version))
	if errors.Is(err, sql.ErrNoRows) {
		return Revocation{}, fmt.Errorf("revocation of %s@%s: %w", image, version, ErrNotFound)
	}
	if err != nil {
		return Revocation{}, fmt.Errorf("reading revocation of %s@%s: %w", image, version, err)
	}
	return r, nil
}

// SetPin appends a pin record for image in env.
func (s *SQLite) SetPin(ctx context.Context, p Pin) error {
	if err := validatePin(&p); err != nil {
		return err
	}
	err := s.record(ctx, func(tx *sql.Tx) (Entry, error) { return insertPin(ctx, tx, p) })
	if err != nil {
		return fmt.Errorf("recording pin of %s in %q: %w", p.Image, p.Env, s.storageError(err))
	}
	return nil
}

// validatePin checks a pin record and stamps it with the time if it has none.
func validatePin(p *Pin) error {
	if p.Image == "" || p.Env == "" || p.By == "" {
		return fmt.Errorf("recording pin: image, env and who are required")
	}
	if p.At.IsZero() {
		p.At = time.Now()
	}
	return nil
}

func insertPin(ctx context.Context, tx *sql.Tx, p Pin) (Entry, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO pins (image, env, version, pinned, reason, by_user, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		p.Image, p.Env, p.Version, p.Pinned, p.Reason, p.By, formatTime(p.At)); err != nil {
		return Entry{}, err
	}
	return pinEntry(p)
}

// Pin returns the latest pin record of image in env; ErrNotFound if none.
func (s *SQLite) Pin(ctx context.Context, image, env string) (Pin, error) {
	p, err := scanPin(s.db.QueryRowContext(ctx, `SELECT image, env, version, pinned, reason, by_user, at FROM pins
		WHERE image = ? AND env = ? ORDER BY id DESC LIMIT 1`, image, env))
	if errors.Is(err, sql.ErrNoRows) {
		return Pin{}, fmt.Errorf("pin of %s in %q: %w", image, env, ErrNotFound)
	}
	if err != nil {
		return Pin{}, fmt.Errorf("reading pin of %s in %q: %w", image, env, err)
	}
	return p, nil
}

func scanApproval(row rowScanner) (Approval, error) {
	var (
		a  Approval
		at string
	)
	if err := row.Scan(&a.Image, &a.Version, &a.Env, &a.By, &at); err != nil {
		return Approval{}, err
	}
	var err error
	a.At, err = parseTime(at)
	return a, err
}

func scanRevocation(row rowScanner) (Revocation, error) {
	var (
		r  Revocation
		at string
	)
	if err := row.Scan(&r.Image, &r.Version, &r.Reason, &r.By, &at); err != nil {
		return Revocation{}, err
	}
	var err error
	r.At, err = parseTime(at)
	return r, err
}

func scanPin(row rowScanner) (Pin, error) {
	var (
		p  Pin
		at string
	)
	if err := row.Scan(&p.Image, &p.Env, &p.Version, &p.Pinned, &p.Reason, &p.By, &at); err != nil {
		return Pin{}, err
	}
	var err error
	p.At, err = parseTime(at)
	return p, err
}
