// Package engine connects to the Docker Engine and holds what every Docker
// user in bake shares: the connection check, bake's labels, and reading the
// engine's JSON progress streams.
package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// ErrUnreachable means no Docker engine answered.
var ErrUnreachable = errors.New("docker engine not reachable")

// Connect returns a client for the engine named by DOCKER_HOST (default
// unix:///var/run/docker.sock) after checking that it answers.
func Connect(ctx context.Context) (*client.Client, error) {
	c, err := client.New(client.FromEnv)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := c.Ping(pctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("%w at %s: %v", ErrUnreachable, c.DaemonHost(), err)
	}
	return c, nil
}

func isNotFound(err error) bool { return cerrdefs.IsNotFound(err) }
