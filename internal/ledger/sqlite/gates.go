package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/bakehq/bake/internal/ledger"
)

// Approve records a manual approval of image@version for env.
func (s *Store) Approve(ctx context.Context, a ledger.Approval) error {
	if a.Env == "" || a.By == "" {
		return fmt.Errorf("recording approval of %s@%s: env and approver are required", a.Image, a.Version)
	}
	at := a.At
	if at.IsZero() {
		at = time.Now()
	}
	a.At = at
	err := s.record(ctx, func(tx *sql.Tx) (ledger.Entry, error) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO approvals (image, version, env, by_user, at, signature, signing_key)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			a.Image, a.Version, a.Env, a.By, ledger.FormatTime(at), a.Signature, a.SigningKey); err != nil {
			return ledger.Entry{}, err
		}
		return ledger.ApprovalEntry(a)
	})
	if sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
		return fmt.Errorf("recording approval of %s@%s: %w", a.Image, a.Version, ledger.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("recording approval of %s@%s: %w", a.Image, a.Version, err)
	}
	return nil
}

// Approvals lists the approvals of image@version, oldest first.
func (s *Store) Approvals(ctx context.Context, image, version string) ([]ledger.Approval, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+approvalColumns+` FROM approvals
		WHERE image = ? AND version = ? ORDER BY rowid`, image, version)
	if err != nil {
		return nil, fmt.Errorf("listing approvals of %s@%s: %w", image, version, err)
	}
	defer rows.Close()
	out := []ledger.Approval{}
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
func (s *Store) Revoke(ctx context.Context, r ledger.Revocation) error {
	if r.Reason == "" || r.By == "" {
		return fmt.Errorf("revoking %s@%s: a reason and who revokes are required", r.Image, r.Version)
	}
	at := r.At
	if at.IsZero() {
		at = time.Now()
	}
	r.At = at
	err := s.record(ctx, func(tx *sql.Tx) (ledger.Entry, error) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO revocations (image, version, reason, by_user, at, signature, signing_key)
			VALUES (?, ?, ?, ?, ?, ?, ?)`,
			r.Image, r.Version, r.Reason, r.By, ledger.FormatTime(at), r.Signature, r.SigningKey); err != nil {
			return ledger.Entry{}, err
		}
		return ledger.RevocationEntry(r)
	})
	switch sqliteCode(err) {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return fmt.Errorf("revoking %s@%s: %w", r.Image, r.Version, ledger.ErrExists)
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return fmt.Errorf("revoking %s@%s: %w", r.Image, r.Version, ledger.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("revoking %s@%s: %w", r.Image, r.Version, err)
	}
	return nil
}

// Revocation returns the revocation of image@version; ErrNotFound if none.
func (s *Store) Revocation(ctx context.Context, image, version string) (ledger.Revocation, error) {
	r, err := scanRevocation(s.db.QueryRowContext(ctx, `SELECT `+revocationColumns+`
		FROM revocations WHERE image = ? AND version = ?`, image, version))
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.Revocation{}, fmt.Errorf("revocation of %s@%s: %w", image, version, ledger.ErrNotFound)
	}
	if err != nil {
		return ledger.Revocation{}, fmt.Errorf("reading revocation of %s@%s: %w", image, version, err)
	}
	return r, nil
}

// SetPin appends a pin record for image in env.
func (s *Store) SetPin(ctx context.Context, p ledger.Pin) error {
	if err := ledger.ValidatePin(&p); err != nil {
		return err
	}
	err := s.record(ctx, func(tx *sql.Tx) (ledger.Entry, error) { return insertPin(ctx, tx, p) })
	if err != nil {
		return fmt.Errorf("recording pin of %s in %q: %w", p.Image, p.Env, s.storageError(err))
	}
	return nil
}

func insertPin(ctx context.Context, tx *sql.Tx, p ledger.Pin) (ledger.Entry, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO pins (image, env, version, pinned, reason, by_user, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		p.Image, p.Env, p.Version, p.Pinned, p.Reason, p.By, ledger.FormatTime(p.At)); err != nil {
		return ledger.Entry{}, err
	}
	return ledger.PinEntry(p)
}

// Pin returns the latest pin record of image in env; ErrNotFound if none.
func (s *Store) Pin(ctx context.Context, image, env string) (ledger.Pin, error) {
	p, err := scanPin(s.db.QueryRowContext(ctx, `SELECT image, env, version, pinned, reason, by_user, at FROM pins
		WHERE image = ? AND env = ? ORDER BY id DESC LIMIT 1`, image, env))
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.Pin{}, fmt.Errorf("pin of %s in %q: %w", image, env, ledger.ErrNotFound)
	}
	if err != nil {
		return ledger.Pin{}, fmt.Errorf("reading pin of %s in %q: %w", image, env, err)
	}
	return p, nil
}

// approvalColumns are what scanApproval reads; approvalColumnsBeforeSignature
// read them from a schema whose approvals were not signed yet.
const (
	approvalColumns                = `image, version, env, by_user, at, signature, signing_key`
	approvalColumnsBeforeSignature = `image, version, env, by_user, at, '', ''`
)

func scanApproval(row rowScanner) (ledger.Approval, error) {
	var (
		a  ledger.Approval
		at string
	)
	if err := row.Scan(&a.Image, &a.Version, &a.Env, &a.By, &at, &a.Signature, &a.SigningKey); err != nil {
		return ledger.Approval{}, err
	}
	var err error
	a.At, err = ledger.ParseTime(at)
	return a, err
}

// revocationColumns are what scanRevocation reads;
// revocationColumnsBeforeSignature read them from an older schema.
const (
	revocationColumns                = `image, version, reason, by_user, at, signature, signing_key`
	revocationColumnsBeforeSignature = `image, version, reason, by_user, at, '', ''`
)

func scanRevocation(row rowScanner) (ledger.Revocation, error) {
	var (
		r  ledger.Revocation
		at string
	)
	if err := row.Scan(&r.Image, &r.Version, &r.Reason, &r.By, &at, &r.Signature, &r.SigningKey); err != nil {
		return ledger.Revocation{}, err
	}
	var err error
	r.At, err = ledger.ParseTime(at)
	return r, err
}

func scanPin(row rowScanner) (ledger.Pin, error) {
	var (
		p  ledger.Pin
		at string
	)
	if err := row.Scan(&p.Image, &p.Env, &p.Version, &p.Pinned, &p.Reason, &p.By, &at); err != nil {
		return ledger.Pin{}, err
	}
	var err error
	p.At, err = ledger.ParseTime(at)
	return p, err
}
