package config

import (
	"errors"
	"fmt"

	"github.com/bakehq/bake/internal/yamlerr"
)

// ErrInvalid is wrapped by every error Load and Parse return.
var ErrInvalid = errors.New("invalid configuration")

// Error is one problem in bake.yaml, located at the node that caused it;
// it wraps ErrInvalid.
type Error = yamlerr.Error

// ErrorList is every problem found in one bake.yaml, in file order.
// Parse returns one when it finds more than one problem.
type ErrorList = yamlerr.List[*Error]

// fileError is a problem with bake.yaml as a whole, such as it being absent.
type fileError struct {
	msg   string
	cause error
}

func (e *fileError) Error() string { return e.msg }

// Unwrap returns ErrInvalid and the cause, so both errors.Is(err, ErrInvalid)
// and errors.Is(err, fs.ErrNotExist) hold for a missing file.
func (e *fileError) Unwrap() []error { return []error{ErrInvalid, e.cause} }

func newFileError(cause error, format string, args ...any) error {
	return &fileError{msg: fmt.Sprintf(format, args...), cause: cause}
}
