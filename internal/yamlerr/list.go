// Package yamlerr is the one decoder of bake's YAML files (bake.yaml,
// checks.yaml, ami.yaml, rootfs.yaml): it parses one document, checks
// mappings against the keys they allow (with a suggestion for a misspelt
// one), and reports every problem at its place (FILE:LINE:COL: KEY: MSG),
// all of a file's at once in file order.
package yamlerr

import (
	"sort"
	"strings"
)

// Positioned is a problem at a place in a file.
type Positioned interface {
	error
	Position() (line, column int)
}

// List is every problem found in one file.
type List[E Positioned] []E

// Error prints one problem a line.
func (l List[E]) Error() string {
	lines := make([]string, len(l))
	for k, e := range l {
		lines[k] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems, so errors.Is and errors.As see each of them.
func (l List[E]) Unwrap() []error {
	errs := make([]error, len(l))
	for k, e := range l {
		errs[k] = e
	}
	return errs
}

// Err returns nil, the only problem, or the list sorted by position.
func (l List[E]) Err() error {
	switch len(l) {
	case 0:
		return nil
	case 1:
		return l[0]
	}
	sort.SliceStable(l, func(i, j int) bool {
		li, ci := l[i].Position()
		lj, cj := l[j].Position()
		if li != lj {
			return li < lj
		}
		return ci < cj
	})
	return l
}
