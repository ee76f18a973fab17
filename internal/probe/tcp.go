package probe

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// TCP connects to addr until a connection is accepted or the timeout passes.
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
		return struct{}{}, conn.Close()
	}, backoff.WithBackOff(retryInterval()), backoff.WithMaxElapsedTime(timeout))
	if err != nil {
		return "", fmt.Errorf("%w: connect %s: expected a connection; %v (after %d tries in %s)",
			ErrUnhealthy, addr, err, tries, time.Since(start).Round(100*time.Millisecond))
	}
	return fmt.Sprintf("connect %s accepted after %d tries in %s", addr, tries, time.Since(start).Round(10*time.Millisecond)), nil
}
