package frontdoor

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// stopTimeout bounds the wait for Caddy to exit after POST /stop.
const stopTimeout = 10 * time.Second

// Stop asks Caddy to exit through POST /stop and waits until its admin API is
// gone. It does nothing when no Caddy answers. The autosaved config stays, so
// the next Ensure resumes it.
func (c *Caddy) Stop(ctx context.Context) error {
	if !c.answers(ctx) {
		return nil
	}
	// Caddy may drop the connection as it exits; the poll below decides.
	callErr := c.call(ctx, http.MethodPost, "/stop", nil, nil)

	deadline := time.NewTimer(stopTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for c.answers(ctx) {
		select {
		case <-deadline.C:
			if callErr != nil {
				return fmt.Errorf("stopping caddy (admin %s): %w", c.Admin, callErr)
			}
			return fmt.Errorf("stopping caddy (admin %s): still answering after %s", c.Admin, stopTimeout)
		case <-ctx.Done():
			return fmt.Errorf("stopping caddy (admin %s): %w", c.Admin, ctx.Err())
		case <-tick.C:
		}
	}
	return nil
}
