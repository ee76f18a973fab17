package config

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// ErrInvalid is wrapped by every error Load and Parse return.
var ErrInvalid = errors.New("invalid configuration")

// Error is one problem in bake.yaml, located at the node that caused it.
type Error struct {
	File   string // path of bake.yaml as given to Load or Parse
	Line   int    // 1-based; 0 when unknown
	Column int    // 1-based; 0 when unknown
	Key    string // dotted key path, such as images.hello.checks[0].http.status
	Msg    string
}

// Error formats the problem as FILE:LINE:COL: KEY: MSG, leaving out the parts it lacks.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteString(":" + strconv.Itoa(e.Column))
		}
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns ErrInvalid.
func (e *Error) Unwrap() error { return ErrInvalid }

// ErrorList is every problem found in one bake.yaml, in file order.
// Parse returns one when it finds more than one problem.
type ErrorList []*Error

// Error prints one problem a line.
func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for k, e := range l {
		lines[k] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems, so errors.Is and errors.As see each of them.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for k, e := range l {
		errs[k] = e
	}
	return errs
}

// err returns nil, the only problem, or the list sorted by position.
func (l ErrorList) err() error {
	switch len(l) {
	case 0:
		return nil
	case 1:
		return l[0]
	}
	sort.SliceStable(l, func(i, j int) bool {
		if l[i].Line != l[j].Line {
			return l[i].Line < l[j].Line
		}
		return l[i].Column < l[j].Column
	})
	return l
}

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
