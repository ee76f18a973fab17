package frontdoor

import (
	"errors"
	"fmt"
)

var (
	// ErrNoRoute means the front door has no route with the given id.
	ErrNoRoute = errors.New("no such front door route")
	// ErrDown means a route's door exists but its Caddy is not running; the
	// next Ensure or SetUpstreams starts it again.
	ErrDown = errors.New("front door is down: its caddy is not running")
	// ErrDrainTimeout means requests were still in flight to upstreams taken
	// out of traffic when Drain stopped waiting.
	ErrDrainTimeout = errors.New("requests still in flight")
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
