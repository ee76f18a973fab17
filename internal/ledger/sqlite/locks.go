package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bakehq/bake/internal/ledger"
)

// Lock takes key for holder until ttl passes; a *LockedError if someone else
// holds it. An expired lock is taken over. When holder already holds key, the
// lock is renewed: Since stays, Expires moves to now+ttl.
func (s *Store) Lock(ctx context.Context, key, holder string, ttl time.Duration) (ledger.Lock, error) {
	switch {
	case key == "":
		return ledger.Lock{}, errors.New("locking: key is empty")
	case holder == "":
		return ledger.Lock{}, fmt.Errorf("locking %q: holder is empty", key)
	case ttl <= 0:
		return ledger.Lock{}, fmt.Errorf("locking %q: ttl %s is not positive", key, ttl)
	}

	// The DSN makes this BEGIN IMMEDIATE: the write lock is held from the read
	// below to the commit, so no other process can take the same key between.
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return ledger.Lock{}, fmt.Errorf("locking %q: %w", key, err)
	}
	defer func() { _ = tx.Rollback() }()

	now := time.Now().UTC()
	l := ledger.Lock{Key: key, Holder: holder, Since: now, Expires: now.Add(ttl)}

	var curHolder, since, expires string
	err = tx.QueryRowContext(ctx, `SELECT holder, since, expires FROM locks WHERE key = ?`, key).
		Scan(&curHolder, &since, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return ledger.Lock{}, fmt.Errorf("locking %q: %w", key, err)
	default:
		held, err := ledger.ParseLock(key, curHolder, since, expires)
		if err != nil {
			return ledger.Lock{}, fmt.Errorf("locking %q: %w", key, err)
		}
		if now.Before(held.Expires) {
			if held.Holder != holder {
				return ledger.Lock{}, &ledger.LockedError{Key: key, Holder: held.Holder, Since: held.Since}
			}
			l.Since = held.Since
		}
	}

	_, err = tx.ExecContext(ctx, `INSERT INTO locks (key, holder, since, expires) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET
			holder = excluded.holder, since = excluded.since, expires = excluded.expires`,
		key, holder, ledger.FormatTime(l.Since), ledger.FormatTime(l.Expires))
	if err != nil {
		return ledger.Lock{}, fmt.Errorf("locking %q: %w", key, err)
	}
	if err := tx.Commit(); err != nil {
		return ledger.Lock{}, fmt.Errorf("locking %q: %w", key, err)
	}
	return l, nil
}

// Unlock releases a lock taken by Lock, only if still held by the same
// holder. When it is not (it expired and was taken over, or was already
// released) nothing changes and the error wraps ErrNotFound.
func (s *Store) Unlock(ctx context.Context, l ledger.Lock) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM locks WHERE key = ? AND holder = ?`, l.Key, l.Holder)
	if err != nil {
		return fmt.Errorf("unlocking %q held by %q: %w", l.Key, l.Holder, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("unlocking %q held by %q: %w", l.Key, l.Holder, err)
	}
	if n == 0 {
		return fmt.Errorf("unlocking %q: no lock held by %q: %w", l.Key, l.Holder, ledger.ErrNotFound)
	}
	return nil
}

// Holder returns the lock on key as it is stored, expired or not, without
// taking it; ErrNotFound if nobody holds it.
func (s *Store) Holder(ctx context.Context, key string) (ledger.Lock, error) {
	var holder, since, expires string
	err := s.db.QueryRowContext(ctx, `SELECT holder, since, expires FROM locks WHERE key = ?`, key).
		Scan(&holder, &since, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.Lock{}, fmt.Errorf("reading lock %q: %w", key, ledger.ErrNotFound)
	}
	if err != nil {
		return ledger.Lock{}, fmt.Errorf("reading lock %q: %w", key, err)
	}
	l, err := ledger.ParseLock(key, holder, since, expires)
	if err != nil {
		return ledger.Lock{}, fmt.Errorf("reading lock %q: %w", key, err)
	}
	return l, nil
}

// checkFence refuses a write fenced by a lock that is no longer the one on
// its key. The transaction holds the write lock (see sqliteDSN), so nobody
// can take the lock over between this read and the commit.
func checkFence(ctx context.Context, tx *sql.Tx, fence ledger.Lock) error {
	var holder, since, expires string
	err := tx.QueryRowContext(ctx, `SELECT holder, since, expires FROM locks WHERE key = ?`, fence.Key).
		Scan(&holder, &since, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return &ledger.LockLostError{Key: fence.Key, Holder: fence.Holder}
	}
	if err != nil {
		return fmt.Errorf("reading lock %q: %w", fence.Key, err)
	}
	held, err := ledger.ParseLock(fence.Key, holder, since, expires)
	if err != nil {
		return fmt.Errorf("reading lock %q: %w", fence.Key, err)
	}
	if !ledger.SameAcquisition(fence, held) {
		return &ledger.LockLostError{Key: fence.Key, Holder: fence.Holder}
	}
	return nil
}
