package engine

import (
	"errors"
	"net"
	"strings"
)

// portAttempts bounds how often StartService picks another port when the
// one it picked was taken before the container could bind it.
const portAttempts = 5

// freeLoopbackPort returns a port on 127.0.0.1 that was free a moment ago.
//
// Containers publish their service port on a port chosen here rather than
// one the engine picks: the engine picks a new one at every start, so after
// an engine restart a replica would answer somewhere other than where its
// front door sends traffic. A port given in the container's config is
// bound again whenever the container starts.
func freeLoopbackPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		return 0, errors.New("no TCP port on 127.0.0.1")
	}
	return addr.Port, nil
}

// IsPortTaken reports whether the engine could not start a container
// because another container or process holds the host port it publishes on.
func IsPortTaken(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "port is already allocated") || strings.Contains(msg, "address already in use")
}
