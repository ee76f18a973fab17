package targets

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bakehq/bake/internal/config"
)

// ErrNoLogs means a target type cannot read its replicas' logs (exit 2).
var ErrNoLogs = errors.New("cannot read the logs of its replicas")

// Logger is a Target that can read the logs of the replicas that run a
// release in an environment (`bake logs`).
type Logger interface {
	// Logs sends the lines of the replicas of req.Version to line, oldest
	// first across replicas; with req.Follow it goes on until ctx ends.
	Logs(ctx context.Context, req LogRequest, line func(LogLine)) error
}

// LogRequest asks for the logs of Image's replicas of Version in Env.
type LogRequest struct {
	Env     string
	Image   string
	Target  *config.Target
	Version string
	Follow  bool
	Since   time.Time // zero: from the start
	Tail    int       // lines per replica before following; < 0: all
}

// LogLine is one line a replica wrote.
type LogLine struct {
	Time    time.Time `json:"time"`
	Replica string    `json:"replica"`
	Stream  string    `json:"stream"` // stdout or stderr
	Text    string    `json:"text"`
}

// Logs reads through req's target, when its type can.
func (r Router) Logs(ctx context.Context, req LogRequest, line func(LogLine)) error {
	run, err := r.target(req.Target, req.Image, req.Env)
	if err != nil {
		return err
	}
	l, ok := run.(Logger)
	if !ok {
		return fmt.Errorf("the %s target of %s in %q %w: bake reads logs of docker targets only; read them where the %s target sends them",
			TypeOf(req.Target), req.Image, req.Env, ErrNoLogs, TypeOf(req.Target))
	}
	return l.Logs(ctx, req, line)
}
