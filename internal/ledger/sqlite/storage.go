package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"syscall"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/bakehq/bake/internal/ledger"
)

// minFreeBytes is the free space CheckWritable asks for: room for a few
// records and their write-ahead log pages.
const minFreeBytes = 1 << 20

// storageError says in words what a failed write means when the disk
// under the ledger is full or failing, and wraps ErrStorage; other errors
// pass unchanged.
func (s *Store) storageError(err error) error {
	code := sqliteCode(err)
	switch {
	case code&0xff == sqlite3.SQLITE_FULL, errors.Is(err, syscall.ENOSPC):
		return fmt.Errorf("%w: the disk holding %s is full (%v): free space there", ledger.ErrStorage, s.path, err)
	case code&0xff == sqlite3.SQLITE_IOERR, errors.Is(err, syscall.EIO):
		return fmt.Errorf("%w: I/O error on the disk holding %s (%v): check the disk and its mount", ledger.ErrStorage, s.path, err)
	case code&0xff == sqlite3.SQLITE_READONLY:
		return fmt.Errorf("%w: %s is read-only (%v): make it writable for this user", ledger.ErrStorage, s.path, err)
	}
	return err
}

// CheckWritable reports, changing nothing, whether the ledger can take a
// write now: its directory has room for a few records.
func (s *Store) CheckWritable(ctx context.Context) error {
	var st syscall.Statfs_t
	dir := filepath.Dir(s.path)
	if err := syscall.Statfs(dir, &st); err != nil {
		return fmt.Errorf("%w: reading free space under %s: %v", ledger.ErrStorage, dir, err)
	}
	if free := st.Bavail * uint64(st.Bsize); free < minFreeBytes {
		return fmt.Errorf("%w: the disk holding %s is full (%d KiB free): free space there", ledger.ErrStorage, s.path, free/1024)
	}
	return nil
}
