package frontdoor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
)

// upgradeMessage is the log line written before a door's config is replaced.
const upgradeMessage = "loading the config of this bake"

// upgrade gives the running Caddy (pid) of door d the config this bake
// writes, when the door was started by an older bake with another one (one
// without the access log, or one logging every request, say). It happens
// once in a door's life, at its first switch by this bake, and the door's
// log says so. The banks get their log switches first: the new config
// reads them.
//
// Caddy's /load keeps the listener open and lets the requests in flight
// finish on the old config: no connection is refused and no request
// already received is lost. Like any change of a running Caddy's config
// (or its restart) it closes the clients' idle kept-alive connections,
// once: a request sent on one at that very moment meets a reset, which
// clients resend if it is idempotent (Go's does for a GET) and report
// otherwise. A restart instead would also refuse the connections made
// while no Caddy listens.
func (c *Caddy) upgrade(ctx context.Context, d door, f doorFile, pid int) error {
	cfg := c.doorConfig(d, f)
	want, err := json.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("encoding the caddy config: %w", err)
	}
	have, err := os.ReadFile(d.path(configFileName))
	if err == nil && bytes.Equal(have, want) {
		return nil
	}
	if err := ensureLogSwitches(d); err != nil {
		return err
	}
	if log, err := os.OpenFile(d.path(logFileName), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err == nil {
		_ = writeLogLine(log, upgradeMessage, f)
		_ = log.Close()
	}
	if err := call(ctx, d, pid, http.MethodPost, "/load", cfg, nil); err != nil {
		return fmt.Errorf("upgrading the door's caddy config: %w", err)
	}
	return writeFile(d.path(configFileName), want)
}
