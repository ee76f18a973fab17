package frontdoor

import (
	"errors"
	"fmt"
)

var (
	// ErrNoRoute means the front door has no route with the given id.
	ErrNoRoute = errors.New("no such front door route")
	// ErrNotLoopback means an address is not a loopback IP and port.
	ErrNotLoopback = errors.New("address is not a loopback ip:port")
)

// adminError is a non-2xx answer from Caddy's admin API.
type adminError struct {
	Method  string
	Path    string
	Status  int
	Message string
}

func (e *adminError) Error() string {
	return fmt.Sprintf("caddy admin %s %q: status %d: %s", e.Method, e.Path, e.Status, e.Message)
}
