package cst

import (
	"errors"

	"github.com/bakehq/bake/internal/yamlerr"
)

// ErrInvalid is wrapped by every error Load and Parse return: the file is
// bad input.
var ErrInvalid = errors.New("invalid container-structure-test file")

// Error is one problem in a container-structure-test file, located at the
// node that caused it; it wraps ErrInvalid.
type Error = yamlerr.Error

// ErrorList is every problem found in one file, in file order.
type ErrorList = yamlerr.List[*Error]
