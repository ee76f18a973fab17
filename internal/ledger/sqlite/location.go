package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/bakehq/bake/internal/ledger"
)

// checkSQLitePath refuses, before SQLite sees it, a path that cannot hold a
// ledger, and with create false one where no ledger was recorded yet. It
// creates the parent directory when create is true.
func checkSQLitePath(abs string, create bool) error {
	dir := filepath.Dir(abs)
	st, err := os.Stat(abs)
	if errors.Is(err, syscall.ENOTDIR) {
		if perr := checkParents(abs, dir); perr != nil {
			return perr
		}
	}
	switch {
	case err == nil && st.IsDir():
		return &ledger.UnusableError{Location: abs, Reason: "is a directory, not a file"}
	case err == nil:
		return checkWritable(abs, abs, dir)
	case !errors.Is(err, fs.ErrNotExist):
		return pathError(abs, err)
	case !create:
		if err := checkParents(abs, dir); err != nil {
			return err
		}
		return &ledger.NoLedgerError{Location: abs}
	}
	// Directories bake creates for the ledger are its owner's alone; an
	// existing one (the project's own directory, say) is left as it is:
	// the files' own modes keep the records private.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return pathError(abs, err)
	}
	if err := checkWritable(abs, dir); err != nil {
		return err
	}
	// Created here, readable by its owner only, before SQLite creates it
	// with 0644: SQLite gives the -wal and -shm files the database's mode.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return pathError(abs, err)
	}
	if f != nil {
		_ = f.Close()
	}
	return nil
}

// privateFiles makes the ledger's file and its -wal and -shm files readable
// and writable by their owner only, when this user owns them: a ledger an
// older bake recorded with 0644 is tightened when next opened.
func privateFiles(abs string) error {
	for _, p := range []string{abs, abs + "-wal", abs + "-shm"} {
		st, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return pathError(abs, err)
		}
		sys, ok := st.Sys().(*syscall.Stat_t)
		if st.Mode().Perm()&0o077 == 0 || !ok || int(sys.Uid) != os.Getuid() {
			continue
		}
		if err := os.Chmod(p, st.Mode().Perm()&0o700); err != nil {
			return pathError(abs, err)
		}
	}
	return nil
}

// checkParents turns a parent that is a file into an unusable location
// rather than a missing ledger.
func checkParents(abs, dir string) error {
	for d := dir; ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err == nil {
			if !st.IsDir() {
				return &ledger.UnusableError{Location: abs, Reason: fmt.Sprintf("%s is a file, not a directory", d)}
			}
			return nil
		}
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
			return pathError(abs, err)
		}
		if filepath.Dir(d) == d {
			return nil
		}
	}
}

// checkWritable makes sure SQLite can write the file (when it exists) and
// its directory, where it keeps its write-ahead log.
func checkWritable(abs string, paths ...string) error {
	for _, p := range paths {
		if err := unix.Access(p, unix.W_OK); err != nil {
			return pathError(abs, &fs.PathError{Op: "write", Path: p, Err: err})
		}
	}
	return nil
}

// pathError says what is wrong with a ledger path in words a user acts on.
func pathError(abs string, err error) error {
	var pe *fs.PathError
	where := abs
	if errors.As(err, &pe) {
		where = pe.Path
	}
	switch {
	case errors.Is(err, syscall.ENOTDIR):
		return &ledger.UnusableError{Location: abs, Reason: fmt.Sprintf("a parent of %s is a file, not a directory", where), Err: err}
	case errors.Is(err, syscall.EROFS):
		return &ledger.UnusableError{Location: abs, Reason: fmt.Sprintf("%s is on a read-only file system", where), Err: err}
	case errors.Is(err, fs.ErrPermission):
		return &ledger.UnusableError{Location: abs, Reason: fmt.Sprintf("%s is not writable by this user", where), Err: err}
	case errors.Is(err, syscall.ENAMETOOLONG):
		return &ledger.UnusableError{Location: abs, Reason: "the path is too long", Err: err}
	}
	return fmt.Errorf("ledger %s: %w", abs, err)
}

// sqliteOpenError says that SQLite could not use the file, when that is why
// opening failed: a file that is not a database, or one it cannot write.
func sqliteOpenError(abs string, err error) error {
	switch sqliteCode(err) & 0xff {
	case sqlite3.SQLITE_NOTADB:
		return &ledger.UnusableError{Location: abs, Reason: "the file is not a bake ledger (not a SQLite database)", Err: err}
	case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM:
		return &ledger.UnusableError{Location: abs, Reason: "SQLite cannot open it for writing", Err: err}
	}
	return nil
}
