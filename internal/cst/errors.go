package cst

import (
	"errors"

	"github.com/bakehq/bake/internal/yamlerr"
)

// ErrInvalid is wrapped by every error Load and Parse return: the file is
// bad input.
var ErrInvalid = errors.New("invalid container-structure-test file")

// Error is one problem in a container-structure-test file, located at the
// node that caused it.
type Error struct {
	File   string
	Line   int    // 1-based; 0 when unknown
	Column int    // 1-based; 0 when unknown
	Key    string // key path, such as commandTests[0].exitCode
	Msg    string
	cause  error
}

// Error formats the problem as FILE:LINE:COL: KEY: MSG, leaving out the parts it lacks.
func (e *Error) Error() string {
	return yamlerr.Format(e.File, e.Line, e.Column, e.Key, e.Msg)
}

// Unwrap returns ErrInvalid and, for a file that could not be read, why.
func (e *Error) Unwrap() []error {
	if e.cause != nil {
		return []error{ErrInvalid, e.cause}
	}
	return []error{ErrInvalid}
}

// ErrorList is every problem found in one file, in file order.
type ErrorList = yamlerr.List[*Error]

// Position places the problem for sorting.
func (e *Error) Position() (line, column int) { return e.Line, e.Column }
