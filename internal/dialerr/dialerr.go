// Package dialerr says in a few words why a request got no answer, for the
// one-line errors bake prints about endpoints it cannot reach (AWS, a
// Kubernetes API server).
package dialerr

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
)

// Reason says why err got no answer: "connection refused", "its name
// does not resolve", "no answer in time", "the connection was closed";
// ok is false when err is none of those.
func Reason(err error) (reason string, ok bool) {
	var errno syscall.Errno
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns):
		return "its name does not resolve", true
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return "no answer in time", true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection was closed", true
	case errors.As(err, &errno):
		return errno.Error(), true
	}
	return "", false
}
