// Package loopback finds ports on 127.0.0.1, the one address bake's
// servers listen on and its replicas publish on.
package loopback

import (
	"errors"
	"fmt"
	"net"
	"sync"
)

// recent remembers the ports FreePort handed out lately. The kernel may
// offer a port again as soon as the probing listener closes, before the
// first caller has bound it; two replicas (or two front doors) started one
// after the other would then be given the same port.
var recent = struct {
	sync.Mutex
	ports []int
	seen  map[int]bool
}{seen: map[int]bool{}}

const (
	remembered = 512
	attempts   = 32
)

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago and
// that this process has not been given lately. Another process may take it
// before the caller binds it: callers retry.
func FreePort() (int, error) {
	recent.Lock()
	defer recent.Unlock()
	for range attempts {
		port, err := probe()
		if err != nil {
			return 0, err
		}
		if recent.seen[port] {
			continue
		}
		if len(recent.ports) == remembered {
			delete(recent.seen, recent.ports[0])
			recent.ports = recent.ports[1:]
		}
		recent.ports = append(recent.ports, port)
		recent.seen[port] = true
		return port, nil
	}
	return 0, fmt.Errorf("no free TCP port on 127.0.0.1 after %d attempts", attempts)
}

// FreeAddr is FreePort as "127.0.0.1:PORT".
func FreeAddr() (string, error) {
	port, err := FreePort()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("127.0.0.1:%d", port), nil
}

func probe() (int, error) {
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
