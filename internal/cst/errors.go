package cst

import (
	"errors"
	"sort"
	"strconv"
	"strings"
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

// Unwrap returns ErrInvalid and, for a file that could not be read, why.
func (e *Error) Unwrap() []error {
	if e.cause != nil {
		return []error{ErrInvalid, e.cause}
	}
	return []error{ErrInvalid}
}

// ErrorList is every problem found in one file, in file order.
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
