package engine

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/bakehq/bake/internal/loopback"
	"github.com/bakehq/bake/internal/registry"
	"github.com/cenkalti/backoff/v5"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// Service describes a container that serves on one port.
type Service struct {
	Name   string
	Image  string // image id or reference by digest
	Port   int    // container port published on 127.0.0.1 at a free host port (0: none)
	Labels map[string]string
	Env    []string
	// Restart keeps the container running across engine restarts (replicas);
	// throwaway containers leave it false.
	Restart bool
	// Isolated applies the sandbox restrictions (see Isolate); Hardened
	// only those an image that passed its sandbox runs with (see Harden).
	Isolated bool
	Hardened bool
	// Writable keeps an isolated or hardened container's root filesystem writable.
	Writable bool
	// Network is the network to attach to ("" for the engine's default);
	// Join are more networks it joins before it starts.
	Network string
	Join    []string
	// Cmd replaces the image's command (nil: the image's own).
	Cmd []string
}

// StartService creates and starts a service container and returns its id and
// the 127.0.0.1 port its service port is published on: a port fixed when
// the container is created, so that it answers there again after a restart
// of the container or of the engine. If the container could not be started
// it is removed again.
func StartService(ctx context.Context, eng *client.Client, s Service) (id string, hostPort int, err error) {
	for attempt := 1; ; attempt++ {
		id, hostPort, err = startService(ctx, eng, s)
		if !IsPortTaken(err) || attempt == portAttempts || ctx.Err() != nil {
			return id, hostPort, err
		}
	}
}

func startService(ctx context.Context, eng *client.Client, s Service) (id string, hostPort int, err error) {
	cfg := &container.Config{Image: s.Image, Labels: s.Labels, Env: s.Env, Cmd: s.Cmd}
	host := &container.HostConfig{}
	CapLogs(host)
	if s.Restart {
		host.RestartPolicy = container.RestartPolicy{Name: container.RestartPolicyUnlessStopped}
	}
	switch {
	case s.Isolated:
		Isolate(host, !s.Writable)
	case s.Hardened:
		Harden(host, !s.Writable)
	}
	if s.Network != "" {
		host.NetworkMode = container.NetworkMode(s.Network)
	}
	if s.Port > 0 {
		p, perr := network.ParsePort(strconv.Itoa(s.Port) + "/tcp")
		if perr != nil {
			return "", 0, perr
		}
		if hostPort, err = loopback.FreePort(); err != nil {
			return "", 0, fmt.Errorf("choosing a port for container %q: %w", s.Name, err)
		}
		cfg.ExposedPorts = network.PortSet{p: {}}
		host.PortBindings = network.PortMap{p: {{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: strconv.Itoa(hostPort)}}}
	}
	createdID, err := CreateContainer(ctx, eng, client.ContainerCreateOptions{Config: cfg, HostConfig: host, Name: s.Name})
	if err != nil {
		return "", 0, err
	}
	id = createdID
	defer func() {
		if err != nil {
			_ = Remove(ctx, eng, createdID)
		}
	}()
	for _, n := range s.Join {
		if _, err = eng.NetworkConnect(ctx, n, client.NetworkConnectOptions{Container: id}); err != nil {
			return "", 0, fmt.Errorf("connecting container %q to network %q: %w", s.Name, n, err)
		}
	}
	if _, err = eng.ContainerStart(ctx, id, client.ContainerStartOptions{}); err != nil {
		return "", 0, fmt.Errorf("starting container %q: %w", s.Name, err)
	}
	return id, hostPort, nil
}

// PublishedPort returns the 127.0.0.1 port a running container's port is published on.
func PublishedPort(ctx context.Context, eng *client.Client, id string, port int) (int, error) {
	insp, err := eng.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return 0, fmt.Errorf("inspecting container %s: %w", short(id), err)
	}
	p, _ := network.ParsePort(strconv.Itoa(port) + "/tcp")
	if insp.Container.NetworkSettings != nil {
		for _, b := range insp.Container.NetworkSettings.Ports[p] {
			if n, err := strconv.Atoi(b.HostPort); err == nil && b.HostIP.IsLoopback() {
				return n, nil
			}
		}
	}
	return 0, fmt.Errorf("container %s publishes no loopback port for %d", short(id), port)
}

// Remove force-removes a container (by id or name) and its anonymous
// volumes. It runs on a context of its own, so it also works while the
// caller's context is being cancelled, and retries while the engine is
// still busy with the container (a start or create that was cancelled on
// bake's side may still be finishing on the engine's).
func Remove(ctx context.Context, eng *client.Client, id string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		_, err := eng.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		if err == nil || isNotFound(err) {
			return struct{}{}, nil
		}
		return struct{}{}, err
	}, backoff.WithBackOff(backoff.NewConstantBackOff(250*time.Millisecond)), backoff.WithMaxElapsedTime(20*time.Second))
	if err != nil {
		return fmt.Errorf("removing container %s: %w", short(id), err)
	}
	return nil
}

// Address returns a container's IPv4 address on network.
func Address(ctx context.Context, eng *client.Client, id, network string) (netip.Addr, error) {
	insp, err := eng.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return netip.Addr{}, fmt.Errorf("inspecting container %s: %w", short(id), err)
	}
	if insp.Container.NetworkSettings != nil {
		if ep := insp.Container.NetworkSettings.Networks[network]; ep != nil && ep.IPAddress.IsValid() {
			return ep.IPAddress, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("container %s has no address on network %s", short(id), network)
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// EnsureImage pulls ref (a reference by digest) unless the engine has it
// already, with the credentials registry.Keychain finds for its registry.
func EnsureImage(ctx context.Context, eng *client.Client, ref string) error {
	if _, err := eng.ImageInspect(ctx, ref); err == nil {
		return nil
	}
	host, err := registry.Host(ref)
	if err != nil {
		return fmt.Errorf("pulling %s: %w", ref, err)
	}
	auth, err := registry.EngineAuth(ctx, host)
	if err != nil {
		return fmt.Errorf("pulling %s: %w", ref, err)
	}
	res, err := eng.ImagePull(ctx, ref, client.ImagePullOptions{RegistryAuth: auth})
	if err == nil {
		err = ReadStream(res, nil, nil)
		res.Close()
	}
	if err != nil {
		if why := registry.Diagnose(ctx, ref); why != nil {
			err = why
		}
		return fmt.Errorf("pulling %s: %w", ref, err)
	}
	return nil
}
