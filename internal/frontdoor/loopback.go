package frontdoor

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
)

// checkLoopback accepts only "IP:PORT" with a loopback IP and a port in
// 1..65535, so nothing bake configures can listen on or dial another address.
func checkLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q: %w", addr, ErrNotLoopback)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.IsLoopback() {
		return fmt.Errorf("%q: %w", addr, ErrNotLoopback)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("%q: port %q: %w", addr, port, ErrNotLoopback)
	}
	return nil
}
