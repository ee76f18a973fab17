package config

import (
	"fmt"
	"net"
	"slices"
	"strconv"
)

// loopbackHosts are the hosts bake lets its own servers listen on.
var loopbackHosts = []string{"127.0.0.1", "::1", "localhost"}

// splitHostPort checks that addr is host:port with a port in 1..65535.
func splitHostPort(addr string) (host string, port int, err error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("expected host:port, got %q", addr)
	}
	if host == "" {
		return "", 0, fmt.Errorf("expected host:port, got %q: the host is missing", addr)
	}
	port, err = strconv.Atoi(p)
	if err != nil || port < 1 || port > 65535 {
		return "", 0, fmt.Errorf("expected host:port with a port between 1 and 65535, got %q", addr)
	}
	return host, port, nil
}

// checkLoopback checks that addr is host:port on a loopback host.
func checkLoopback(addr string) error {
	host, _, err := splitHostPort(addr)
	if err != nil {
		return err
	}
	if !slices.Contains(loopbackHosts, host) {
		return fmt.Errorf("%q is not a loopback address; use 127.0.0.1, [::1] or localhost", addr)
	}
	return nil
}

// socketKey names the socket an address binds on this machine, so that
// 127.0.0.1:8101 and localhost:8101 are seen as the same place.
func socketKey(addr string) string {
	host, port, err := splitHostPort(addr)
	if err != nil {
		return addr
	}
	if slices.Contains(loopbackHosts, host) {
		return "loopback:" + strconv.Itoa(port)
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}
