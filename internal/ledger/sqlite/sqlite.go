// Package sqlite is the embedded ledger backend: one SQLite database file
// that keeps the ledger.Store contract and the hash chain.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"path/filepath"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/bakehq/bake/internal/ledger"
)

// busyTimeout is how long a connection waits for another connection or process
// to release the write lock before SQLite reports SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// maxOpenConns bounds the pool: WAL lets readers run beside the one writer,
// and more connections than this only add file handles and lock contention.
const maxOpenConns = 4

// Store is the embedded ledger: one database file, safe to share between
// goroutines and between processes.
type Store struct {
	db   *sql.DB
	path string
}

var _ ledger.Store = (*Store)(nil)

// Open opens the ledger at path, creating the file, its parent directory
// and the schema as needed, and migrating an older schema to the current one.
// A path that cannot hold a ledger is an UnusableError (ErrUnusable).
func Open(ctx context.Context, path string) (*Store, error) {
	return openSQLite(ctx, path, true)
}

// OpenExisting opens the ledger at path as Open does, but creates
// nothing: where no ledger was recorded yet it returns a NoLedgerError
// (ErrNoLedger). Commands that only read, or that need a recorded release,
// open the ledger this way.
func OpenExisting(ctx context.Context, path string) (*Store, error) {
	return openSQLite(ctx, path, false)
}

func openSQLite(ctx context.Context, path string, create bool) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("opening ledger %q: %w", path, err)
	}
	if err := checkSQLitePath(abs, create); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", sqliteDSN(abs))
	if err != nil {
		return nil, fmt.Errorf("opening ledger %q: %w", path, err)
	}
	db.SetMaxOpenConns(maxOpenConns)
	db.SetMaxIdleConns(maxOpenConns)

	if err := retryBusy(ctx, func() error { return migrate(ctx, db) }); err != nil {
		_ = db.Close()
		if unusable := sqliteOpenError(abs, err); unusable != nil {
			return nil, unusable
		}
		return nil, fmt.Errorf("opening ledger %q: %w", path, err)
	}
	// Only once the file is known to be a ledger: a path naming some
	// other file is refused above, its mode untouched.
	if err := privateFiles(abs); err != nil {
		_ = db.Close()
		return nil, err
	}
	return &Store{db: db, path: abs}, nil
}

// sqliteDSN builds a file: URI whose parameters the driver applies to every
// pooled connection. busy_timeout makes lock waits block instead of failing,
// and _txlock=immediate makes every transaction take the write lock at BEGIN:
// a deferred transaction that upgrades from reading to writing gets
// SQLITE_BUSY at once, without waiting, when another process wrote meanwhile.
func sqliteDSN(abs string) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String()
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("closing ledger %q: %w", s.path, err)
	}
	return nil
}

// retryBusy runs fn again while it fails with SQLITE_BUSY, for up to
// busyTimeout. busy_timeout covers every later wait, but not the first
// connections to a new file: when processes race to create it, the DSN's
// switch to WAL can fail with SQLITE_BUSY without waiting.
func retryBusy(ctx context.Context, fn func() error) error {
	deadline := time.Now().Add(busyTimeout)
	delay := 5 * time.Millisecond
	for {
		err := fn()
		if sqliteCode(err)&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		// Jitter keeps processes that collided from colliding again in step.
		wait := delay/2 + rand.N(delay)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		delay = min(2*delay, 200*time.Millisecond)
	}
}

// sqliteCode returns the extended result code of a SQLite error, or 0.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}
