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
func CreateSandboxNetwork(ctx context.Context, eng *client.Client, name string, labels map[string]string) (string, error) {
	// Like containers: never cancel the create itself, remove it if bake was stopped meanwhile.
	createCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	res, err := eng.NetworkCreate(createCtx, name, client.NetworkCreateOptions{
		Driver: "bridge",
		Options: map[string]string{
			"com.docker.network.bridge.enable_ip_masquerade": "false",
			"com.docker.network.bridge.enable_icc":           "false",
		},
		Labels: labels,
	})
	if err != nil {
		return "", fmt.Errorf("creating sandbox network %q: %w", name, err)
	}
	if ctx.Err() != nil {
		_ = RemoveNetwork(ctx, eng, res.ID)
		return "", fmt.Errorf("creating sandbox network %q: %w", name, context.Cause(ctx))
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
