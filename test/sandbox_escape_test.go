package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/moby/moby/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/engine"
)

// hostListener is a server on 127.0.0.1 standing for the host's services:
// it counts the connections it accepts.
func hostListener(t *testing.T) (port int, accepted *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	accepted = &atomic.Int64{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port, accepted
}

// defaultBridgeGateway is the host's address on the engine's default bridge
// (docker0), read from the engine.
func defaultBridgeGateway(t *testing.T, eng *client.Client) string {
	t.Helper()
	n, err := eng.NetworkInspect(context.Background(), "bridge", client.NetworkInspectOptions{})
	require.NoError(t, err)
	require.NotEmpty(t, n.Network.IPAM.Config, "the default bridge has an address")
	c := n.Network.IPAM.Config[0]
	if c.Gateway.IsValid() {
		return c.Gateway.String()
	}
	// An engine that chose the bridge's subnet itself may record no gateway;
	// it gives the bridge the subnet's first address.
	require.True(t, c.Subnet.IsValid(), "the default bridge has a subnet")
	return c.Subnet.Masked().Addr().Next().String()
}

// TestSandboxCannotReachHost validates an image whose service, when its
// check asks, tries to leave its container: a port of the host through its
// own network's gateway and through the default bridge's, and a DNS lookup.
// Every attempt finds nothing (the check passes only then, through the port
// published on 127.0.0.1), the host's server counts no connection, and the
// sandbox kept for inspection sits on an internal network with capped logs.
func TestSandboxCannotReachHost(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng, err := engine.Connect(ctx)
	require.NoError(t, err)
	defer eng.Close()
	port, accepted := hostListener(t)
	p := newProject(t, projectOptions{})
	b, err := os.ReadFile(p.ConfigPath())
	require.NoError(t, err)
	escape := fmt.Sprintf(`    checks:
      - name: escape
        http:
          path: /escape?port=%d&hosts=%s&name=deb.debian.org
          status: 200
          body: '(?m)^contained$'
          timeout: 30s
      - name: keep-it
        http:
          path: /healthz
          status: 418
          timeout: 2s
`, port, defaultBridgeGateway(t, eng))
	config := strings.Replace(string(b), "    checks:\n", escape, 1)
	require.NotEqual(t, string(b), config)
	writeFile(t, p.ConfigPath(), config)

	res := bake(t, p.Dir, "release", "svc", "--version", "2.0.0", "--keep-on-failure")
	require.Equal(t, 1, res.code, res.String())
	assert.Regexp(t, `ok\s+escape: `, res.stderr+res.stdout, "every way out is blocked, and the check reaches the service through 127.0.0.1")
	assert.Regexp(t, `FAIL keep-it: `, res.stderr+res.stdout)
	assert.Zero(t, accepted.Load(), "the host's server got no connection")

	m := regexp.MustCompile(`remove it:\s+docker rm -f (\S+) (\S+); docker network rm \S+ \S+\s+or\s+bake sweep --operation (\S+)`).
		FindStringSubmatch(res.stderr)
	require.NotNil(t, m, res.stderr)
	name, forwarder := m[1], m[2]
	defer removeKeptSandbox(ctx, eng, name, forwarder)
	insp, err := eng.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
	require.NoError(t, err)
	c := insp.Container
	assert.Equal(t, name, string(c.HostConfig.NetworkMode))
	assert.Len(t, c.NetworkSettings.Networks, 1, "the sandbox is on its own network only")
	assert.Empty(t, c.HostConfig.PortBindings, "the sandbox publishes nothing itself")
	assert.Equal(t, "json-file", c.HostConfig.LogConfig.Type)
	assert.Equal(t, engine.LogMaxSize, c.HostConfig.LogConfig.Config["max-size"], "logs are capped")
	n, err := eng.NetworkInspect(ctx, name, client.NetworkInspectOptions{})
	require.NoError(t, err)
	assert.True(t, n.Network.Internal, "no gateway out")
	assert.Equal(t, "true", n.Network.Options["com.docker.network.bridge.inhibit_ipv4"], "no host address on the bridge")

	fwd, err := eng.ContainerInspect(ctx, forwarder, client.ContainerInspectOptions{})
	require.NoError(t, err)
	assert.Equal(t, m[3], fwd.Container.Config.Labels[engine.LabelOperation], "bake sweep finds the forwarder")
	assert.Contains(t, fwd.Container.NetworkSettings.Networks, name, "the forwarder reaches the sandbox")
	for _, bindings := range fwd.Container.HostConfig.PortBindings {
		for _, b := range bindings {
			assert.True(t, b.HostIP.IsLoopback(), "the forwarder publishes on 127.0.0.1 only: %v", b.HostIP)
		}
	}
	assert.Equal(t, []string{"ALL"}, fwd.Container.HostConfig.CapDrop)
}
