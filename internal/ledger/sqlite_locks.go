package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Lock takes key for holder until ttl passes; a *LockedError if someone else
// holds it. An expired lock is taken over. When holder already holds key, the
// lock is renewed: Since stays, Expires moves to now+ttl.
func (s *SQLite) Lock(ctx context.Context, key, holder string, ttl time.Duration) (Lock, error) {
	switch {
	case key == "":
		return Lock{}, errors.New("locking: key is empty")
	case holder == "":
		return Lock{}, fmt.Errorf("locking %q: holder is empty", key)
	case ttl <= 0:
		return Lock{}, fmt.Errorf("locking %q: ttl %s is not positive", key, ttl)
	}

	// The DSN makes this BEGIN IMMEDIATE: the write lock is held from the read
	// below to the commit, so no other process can take the same key between.
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Lock{}, fmt.Errorf("locking %q: %w", key, err)
	}
	defer func() { _ = tx.Rollback() }()

	now := time.Now().UTC()
	l := Lock{Key: key, Holder: holder, Since: now, Expires: now.Add(ttl)}

	var curHolder, since, expires string
	err = tx.QueryRowContext(ctx, `SELECT holder, since, expires FROM locks WHERE key = ?`, key).
		Scan(&curHolder, &since, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return Lock{}, fmt.Errorf("locking %q: %w", key, err)
	default:
		held, err := parseLock(key, curHolder, since, expires)
		if err != nil {
			return Lock{}, fmt.Errorf("locking %q: %w", key, err)
		}
		if now.Before(held.Expires) {
			if held.Holder != holder {
				return Lock{}, &LockedError{Key: key, Holder: held.Holder, Since: held.Since}
			}
			l.Since = held.Since
		}
	}

	_, err = tx.ExecContext(ctx, `INSERT INTO locks (key, holder, since, expires) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET
			holder = excluded.holder, since = excluded.since, expires = excluded.expires`,
		key, holder, formatTime(l.Since), formatTime(l.Expires))
	if err != nil {
		return Lock{}, fmt.Errorf("locking %q: %w", key, err)
	}
	if err := tx.Commit(); err != nil {
		return Lock{}, fmt.Errorf("locking %q: %w", key, err)
	}
	return l, nil
}

// parseLock builds a Lock from its stored columns.
func parseLock(key, holder, since, expires string) (Lock, error) {
	l := Lock{Key: key, Holder: holder}
	var err error
	if l.Since, err = parseTime(since); err != nil {
		return Lock{}, err
	}
	if l.Expires, err = parseTime(expires); err != nil {
		return Lock{}, err
	}
	return l, nil
}

// Unlock releases a lock taken by Lock, only if still held by the same
// holder. When it is not (it expired and was taken over, or was already
// released) nothing changes and the error wraps ErrNotFound.
func (s *SQLite) Unlock(ctx context.Context, l Lock) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM locks WHERE key = ? AND holder = ?`, l.Key, l.Holder)
	if err != nil {
		return fmt.Errorf("unlocking %q held by %q: %w", l.Key, l.Holder, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("unlocking %q held by %q: %w", l.Key, l.Holder, err)
	}
	if n == 0 {
		return fmt.Errorf("unlocking %q: no lock held by %q: %w", l.Key, l.Holder, ErrNotFound)
	}
	return nil
}

// Holder returns the lock on key as it is stored, expired or not, without
// taking it; ErrNotFound if nobody holds it.
func (s *SQLite) Holder(ctx context.Context, key string) (Lock, error) {
	var holder, since, expires string
	err := s.db.QueryRowContext(ctx, `SELECT holder, since, expires FROM locks WHERE key = ?`, key).
		Scan(&holder, &since, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return Lock{}, fmt.Errorf("reading lock %q: %w", key, ErrNotFound)
	}
	if err != nil {
		return Lock{}, fmt.Errorf("reading lock %q: %w", key, err)
	}
	l, err := parseLock(key, holder, since, expires)
	if err != nil {
		return Lock{}, fmt.Errorf("reading lock %q: %w", key, err)
	}
	return l, nil
}
