package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// settle is how long an accepted connection must stay open, when the
// service does not speak first, to count as accepted by the service.
const settle = 300 * time.Millisecond

// TCP connects to addr until the service accepts a connection or the
// timeout passes. The sandbox's port is a forwarder's, which accepts every
// connection and closes it at once when the service behind it refuses: so
// a connection counts only if it stays open for a moment or the service
// sends something on it. A service that accepts and closes at once without
// a word fails the check.
func TCP(ctx context.Context, addr string, timeout time.Duration) (string, error) {
	start := time.Now()
	tries := 0
	var dialer net.Dialer
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		tries++
		tryCtx, cancel := context.WithTimeout(ctx, min(requestTimeout, max(timeout-time.Since(start), 100*time.Millisecond)))
		defer cancel()
		conn, err := dialer.DialContext(tryCtx, "tcp", addr)
		if err != nil {
			return struct{}{}, fmt.Errorf("got %v", unwrapURLError(err))
		}
		defer conn.Close()
		if err := conn.SetReadDeadline(time.Now().Add(settle)); err != nil {
			return struct{}{}, fmt.Errorf("got %v", err)
		}
		var b [1]byte
		if n, err := conn.Read(b[:]); n == 0 && !errors.Is(err, os.ErrDeadlineExceeded) {
			return struct{}{}, fmt.Errorf("got the connection closed at once (%v)", err)
		}
		return struct{}{}, nil
	}, backoff.WithBackOff(retryInterval()), backoff.WithMaxElapsedTime(timeout))
	if err != nil {
		return "", fmt.Errorf("%w: connect %s: expected a connection; %v (after %d tries in %s)",
			ErrUnhealthy, addr, err, tries, time.Since(start).Round(100*time.Millisecond))
	}
	return fmt.Sprintf("connect %s accepted after %d tries in %s", addr, tries, time.Since(start).Round(10*time.Millisecond)), nil
}
