package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// ErrLost means the engine stopped answering in the middle of an
// operation: it stopped, or restarted.
var ErrLost = errors.New("docker engine stopped answering")

// LostError names the engine that stopped answering, and what to do.
type LostError struct {
	Host string // as DOCKER_HOST names it
}

func (e *LostError) Error() string {
	return fmt.Sprintf("the Docker engine at %s stopped answering (it stopped or restarted): once it answers again, run the same command again", e.Host)
}

// Is makes errors.Is(err, ErrLost) hold.
func (e *LostError) Is(target error) bool { return target == ErrLost }

// WhileAnswering returns a context that ends, with a *LostError as its
// cause, as soon as eng stops answering. It follows the engine's event
// stream, which breaks when the engine stops or restarts: what the engine
// answers meanwhile (a container that is gone, a runtime that is shutting
// down, a replica that fails its health check because the engine stopped
// it) would only hide that. Call stop when the operation ends.
func WhileAnswering(ctx context.Context, eng *client.Client) (_ context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	events := eng.Events(ctx, client.EventsListOptions{Filters: client.Filters{}.Add("type", "daemon")})
	go func() {
		for {
			select {
			case <-events.Messages:
			case <-events.Err:
				if ctx.Err() == nil {
					cancel(&LostError{Host: eng.DaemonHost()})
				}
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return ctx, func() { cancel(nil) }
}

// shutdownGrace is how long Lost waits, after an internal error, for the
// engine's event stream to break: an engine that is shutting down fails
// calls for a moment (its runtime goes first) before it stops answering.
const shutdownGrace = 3 * time.Second

// Lost returns a *LostError when err, from an operation on eng under a
// context from WhileAnswering, came from the engine going away: the
// connection to it failed, it answered that it is unavailable, or its event
// stream broke (waiting shutdownGrace for that after an internal error).
// Otherwise it returns nil.
func Lost(ctx context.Context, eng *client.Client, err error) error {
	switch {
	case err == nil:
		return nil
	case client.IsErrConnectionFailed(err), cerrdefs.IsUnavailable(err):
		return &LostError{Host: eng.DaemonHost()}
	case cerrdefs.IsInternal(err):
		select {
		case <-ctx.Done():
		case <-time.After(shutdownGrace):
		}
	}
	if cause := context.Cause(ctx); errors.Is(cause, ErrLost) {
		return cause
	}
	return nil
}
