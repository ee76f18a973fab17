package ledger

import (
	"errors"
	"fmt"
)

// Errors about where the ledger is, rather than what it holds.
var (
	// ErrNoLedger means nothing was ever recorded at the ledger's location:
	// the SQLite file or the DynamoDB table does not exist.
	ErrNoLedger = errors.New("no ledger yet")
	// ErrUnusable means the location cannot hold a ledger: a parent that is
	// a file, a directory bake may not write, a file that is not a ledger.
	ErrUnusable = errors.New("ledger location unusable")
)

// NoLedgerError says where a ledger was looked for and not found.
type NoLedgerError struct{ Location string }

func (e *NoLedgerError) Error() string        { return fmt.Sprintf("no ledger at %s yet", e.Location) }
func (e *NoLedgerError) Is(target error) bool { return target == ErrNoLedger }

// UnusableError says why a location cannot hold a ledger.
type UnusableError struct {
	Location string
	Reason   string
	Err      error
}

func (e *UnusableError) Error() string {
	return fmt.Sprintf("ledger %s: %s", e.Location, e.Reason)
}
func (e *UnusableError) Is(target error) bool { return target == ErrUnusable }
func (e *UnusableError) Unwrap() error        { return e.Err }

// ErrStorage means the ledger's storage refused a write: the disk is full,
// or it failed to read or write. Nothing of that write was recorded.
var ErrStorage = errors.New("the ledger cannot be written")
