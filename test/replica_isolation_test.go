package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/engine"
)

// liveReplica is one running replica as the engine reports it.
type liveReplica struct {
	name string
	addr string // its address on its environment's network
	port uint16 // where it is published on 127.0.0.1
	insp container.InspectResponse
}

// runningReplicas inspects the running replicas of p in env.
func runningReplicas(t *testing.T, eng *client.Client, p *project, env string) []liveReplica {
	t.Helper()
	ctx := context.Background()
	list, err := eng.ContainerList(ctx, client.ContainerListOptions{Filters: client.Filters{}.Add("label",
		engine.LabelProject+"="+p.Name, engine.LabelEnv+"="+env, engine.LabelKind+"="+engine.KindReplica)})
	require.NoError(t, err)
	var out []liveReplica
	for _, c := range list.Items {
		insp, err := eng.ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{})
		require.NoError(t, err)
		r := liveReplica{name: c.Names[0], insp: insp.Container}
		for name, ep := range insp.Container.NetworkSettings.Networks {
			if name == fmt.Sprintf("bake-%s-%s", p.Name, env) {
				r.addr = ep.IPAddress.String()
			}
		}
		for _, port := range c.Ports {
			if port.IP.IsLoopback() && port.PublicPort != 0 {
				r.port = port.PublicPort
			}
		}
		out = append(out, r)
	}
	return out
}

// escapeFrom asks the svc replica published on 127.0.0.1:port to connect,
// from inside its container, to target's port 8080 (escape.go).
func escapeFrom(t *testing.T, port uint16, target string) string {
	t.Helper()
	u := fmt.Sprintf("http://127.0.0.1:%d/escape?gateway=no&port=8080&hosts=%s", port, url.QueryEscape(target))
	c := &http.Client{Timeout: 20 * time.Second}
	res, err := c.Get(u)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return string(b)
}

// TestReplicasIsolatedPerEnvironment promotes a release to dev and qa: each
// environment's replicas run on a network of their own, hardened like the
// sandbox, with capped logs, and still serve through their front doors. A
// dev replica reaches the other dev replica, and a qa replica cannot reach
// either.
//
// It does not run in parallel: Docker 20.10 separates bridge networks with
// iptables rules it deletes and inserts again whenever any network is
// created or removed, and in that moment its per-bridge ACCEPT rules let a
// connection across. Other tests create networks all the time; a deployment
// does not.
func TestReplicasIsolatedPerEnvironment(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.Connect(ctx)
	require.NoError(t, err)
	defer eng.Close()
	p := newProject(t, projectOptions{})
	p.release(t, "1.0.0")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	mustBake(t, p.Dir, "promote", "svc", "--from", "dev", "--to", "qa")
	assertServes(t, p, "dev", "1.0.0")
	assertServes(t, p, "qa", "1.0.0")

	dev, qa := runningReplicas(t, eng, p, "dev"), runningReplicas(t, eng, p, "qa")
	require.Len(t, dev, 2)
	require.Len(t, qa, 2)
	for _, r := range append(append([]liveReplica{}, dev...), qa...) {
		h := r.insp.HostConfig
		assert.Len(t, r.insp.NetworkSettings.Networks, 1, "%s is on its environment's network only", r.name)
		assert.NotEmpty(t, r.addr, "%s is on its environment's network", r.name)
		assert.True(t, h.ReadonlyRootfs, "%s: read-only root", r.name)
		assert.Equal(t, []string{"ALL"}, h.CapDrop, r.name)
		assert.Contains(t, h.SecurityOpt, "no-new-privileges", r.name)
		assert.Equal(t, engine.LogMaxSize, h.LogConfig.Config["max-size"], "%s: logs are capped", r.name)
	}
	n, err := eng.NetworkInspect(ctx, "bake-"+p.Name+"-dev", client.NetworkInspectOptions{})
	require.NoError(t, err)
	assert.Equal(t, engine.KindReplica, n.Network.Labels[engine.LabelKind], "bake sweep leaves it to the environment")

	assert.Contains(t, escapeFrom(t, dev[0].port, dev[1].addr), "connected", "replicas of one environment reach each other")
	for _, target := range dev {
		out := escapeFrom(t, qa[0].port, target.addr)
		assert.Contains(t, out, "blocked", "a qa replica cannot reach dev's %s", target.name)
		assert.NotContains(t, out, "connected")
	}
}
