// Package registry holds what bake knows about OCI registries besides what
// the Docker engine does for it: whether one can be reached at all.
package registry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
)

// ErrUnreachable means no registry accepted a connection at its address.
var ErrUnreachable = errors.New("registry is unreachable")

// dialTimeout bounds one attempt to connect to a registry.
const dialTimeout = 3 * time.Second

// UnreachableError says which registry could not be reached, and why, in
// the words a user acts on.
type UnreachableError struct {
	Host   string // HOST:PORT as bake.yaml names it
	Reason string // "connection refused", "no such host", ...
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("registry %s is unreachable (%s): start it (or correct registry: in bake.yaml) and run the same command again",
		e.Host, e.Reason)
}

// Is makes errors.Is(err, ErrUnreachable) hold.
func (e *UnreachableError) Is(target error) bool { return target == ErrUnreachable }

// Host returns the registry of an image reference (REGISTRY/REPO:TAG or
// REGISTRY/REPO@DIGEST), as bake.yaml names it.
func Host(ref string) (string, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return "", fmt.Errorf("%q is not an image reference: %w", ref, err)
	}
	return r.Context().RegistryStr(), nil
}

// Reachable connects to the registry at host (HOST[:PORT]) and returns an
// *UnreachableError if nothing accepts the connection. It checks only that
// something listens there: what it answers is the engine's business.
func Reachable(ctx context.Context, host string) error {
	reg, err := name.NewRegistry(host)
	if err != nil {
		return fmt.Errorf("registry %q: %w", host, err)
	}
	addr := reg.RegistryStr()
	if _, _, err := net.SplitHostPort(addr); err != nil {
		port := "443"
		if reg.Scheme() == "http" {
			port = "80"
		}
		addr = net.JoinHostPort(addr, port)
	}
	d := net.Dialer{Timeout: dialTimeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &UnreachableError{Host: host, Reason: reason(err)}
	}
	_ = conn.Close()
	return nil
}

// reason says in a few words why a connection failed.
func reason(err error) string {
	var errno syscall.Errno
	var dns *net.DNSError
	switch {
	case errors.As(err, &dns) && dns.IsNotFound:
		return "no such host"
	case errors.As(err, &dns):
		return "its name does not resolve"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Sprintf("no answer within %s", dialTimeout)
	case errors.As(err, &errno):
		return errno.Error()
	}
	return err.Error()
}
