package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/moby/moby/client"
)

// CreateSandboxNetwork creates a bridge network whose containers have no
// route out: no masquerading, so their packets never leave the host, and no
// traffic between containers. Ports published on 127.0.0.1 still reach them.
// The sandbox's forwarder publishes its port from such a network.
func CreateSandboxNetwork(ctx context.Context, eng *client.Client, name string, labels map[string]string) (string, error) {
	return createNetwork(ctx, eng, name, client.NetworkCreateOptions{
		Driver: "bridge",
		Options: map[string]string{
			"com.docker.network.bridge.enable_ip_masquerade": "false",
			"com.docker.network.bridge.enable_icc":           "false",
		},
		Labels: labels,
	})
}

// CreateInternalNetwork creates a bridge network that reaches nothing but
// its own containers: internal (the engine forwards nothing in or out of
// it) and with no address on the host's side of the bridge, so a container
// cannot reach the host itself either, through its gateway or any other
// host address, and has no DNS beyond the names of its network's
// containers. The engine publishes no port of a container on it alone.
func CreateInternalNetwork(ctx context.Context, eng *client.Client, name string, labels map[string]string) (string, error) {
	return createNetwork(ctx, eng, name, client.NetworkCreateOptions{
		Driver:   "bridge",
		Internal: true,
		Options: map[string]string{
			"com.docker.network.bridge.inhibit_ipv4": "true",
			"com.docker.network.bridge.enable_icc":   "true",
		},
		Labels: labels,
	})
}

func createNetwork(ctx context.Context, eng *client.Client, name string, opts client.NetworkCreateOptions) (string, error) {
	// Like containers: never cancel the create itself, remove it if bake was stopped meanwhile.
	createCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	res, err := eng.NetworkCreate(createCtx, name, opts)
	if err != nil {
		return "", fmt.Errorf("creating network %q: %w", name, err)
	}
	if ctx.Err() != nil {
		_ = RemoveNetwork(ctx, eng, res.ID)
		return "", fmt.Errorf("creating network %q: %w", name, context.Cause(ctx))
	}
	return res.ID, nil
}

// RemoveNetwork removes a network on a context of its own, retrying while a
// container being removed still holds it.
func RemoveNetwork(ctx context.Context, eng *client.Client, id string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		_, err := eng.NetworkRemove(ctx, id, client.NetworkRemoveOptions{})
		if err == nil || isNotFound(err) {
			return struct{}{}, nil
		}
		return struct{}{}, err
	}, backoff.WithBackOff(backoff.NewConstantBackOff(250*time.Millisecond)), backoff.WithMaxElapsedTime(20*time.Second))
	if err != nil {
		return fmt.Errorf("removing network %s: %w", id, err)
	}
	return nil
}
