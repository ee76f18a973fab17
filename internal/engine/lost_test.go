package engine

import (
	"context"
	"errors"
	"fmt"
	"testing"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLost(t *testing.T) {
	eng, err := client.New(client.WithHost("unix:///run/bake-test/docker.sock"))
	require.NoError(t, err)
	defer eng.Close()
	lost := &LostError{Host: "unix:///run/bake-test/docker.sock"}

	assert.NoError(t, Lost(context.Background(), eng, nil))
	assert.NoError(t, Lost(context.Background(), eng, errors.New("image not found")), "an answer is not a lost engine")
	unavailable := fmt.Errorf("starting container %q: %w", "web-1", cerrdefs.ErrUnavailable)
	assert.Equal(t, lost, Lost(context.Background(), eng, unavailable))

	// The event stream broke: whatever the operation failed with, the engine went away.
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(lost)
	got := Lost(ctx, eng, errors.New("web-1 is unhealthy"))
	require.ErrorIs(t, got, ErrLost)
	assert.Equal(t, "the Docker engine at unix:///run/bake-test/docker.sock stopped answering (it stopped or restarted): "+
		"once it answers again, run the same command again", got.Error())

	// Ctrl-C is not a lost engine.
	ctx, cancel = context.WithCancelCause(context.Background())
	cancel(context.Canceled)
	assert.NoError(t, Lost(ctx, eng, context.Canceled))
}

func TestIsPortTaken(t *testing.T) {
	for msg, want := range map[string]bool{
		"driver failed programming external connectivity on endpoint web-1: Bind for 127.0.0.1:41234 failed: port is already allocated": true,
		"Error starting userland proxy: listen tcp4 127.0.0.1:41234: bind: address already in use":                                      true,
		"No such image: 127.0.0.1:5000/demo/web@sha256:0":                                                                               false,
	} {
		assert.Equal(t, want, IsPortTaken(errors.New(msg)), msg)
	}
	assert.False(t, IsPortTaken(nil))
}
