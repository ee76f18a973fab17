// Package loopback finds ports on 127.0.0.1, the one address bake's
// servers listen on and its replicas publish on.
package loopback

import (
	"errors"
	"net"
)

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
// Another process may take it before the caller binds it: callers retry.
func FreePort() (int, error) {
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
