package e2e

import (
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/engine"
)

// TestFailedSandboxKeptWithReport releases a version whose health check never
// passes, with --keep-on-failure and a JUnit report: bake exits 1, records it
// as failed, writes the failure to the report, and leaves the isolated
// sandbox running with instructions to reach and remove it.
func TestFailedSandboxKeptWithReport(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	p.setHealthyUntil(t, time.Now().Add(-time.Hour))
	junit := filepath.Join(t.TempDir(), "checks.xml")
	res := bake(t, p.Dir, "release", "svc", "--version", "2.0.0", "--keep-on-failure", "--report", "junit="+junit)
	require.Equal(t, 1, res.code, res.String())
	assert.Contains(t, res.stderr, "kept the failed sandbox")
	m := regexp.MustCompile(`remove it:\s+docker rm -f (\S+) (\S+); docker network rm \S+ \S+\s+or\s+bake sweep --operation (\S+)`).FindStringSubmatch(res.stderr)
	require.NotNil(t, m, res.stderr)
	name, forwarder := m[1], m[2]

	ctx := context.Background()
	eng, err := engine.Connect(ctx)
	require.NoError(t, err)
	defer eng.Close()
	defer removeKeptSandbox(ctx, eng, name, forwarder)
	insp, err := eng.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
	require.NoError(t, err)
	c := insp.Container
	assert.True(t, c.State.Running, "the kept sandbox runs")
	assert.Equal(t, m[3], c.Config.Labels[engine.LabelOperation])
	assert.True(t, c.HostConfig.ReadonlyRootfs, "read-only root filesystem")
	assert.Equal(t, int64(engine.SandboxMemory), c.HostConfig.Memory)
	assert.Equal(t, []string{"ALL"}, c.HostConfig.CapDrop)
	assert.Contains(t, c.HostConfig.SecurityOpt, "no-new-privileges")
	assert.Equal(t, name, string(c.HostConfig.NetworkMode), "the sandbox's own network")
	net, err := eng.NetworkInspect(ctx, name, client.NetworkInspectOptions{})
	require.NoError(t, err)
	assert.True(t, net.Network.Internal, "no route out")

	data, err := os.ReadFile(junit)
	require.NoError(t, err)
	var doc struct {
		Suites []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(data, &doc))
	require.Len(t, doc.Suites, 1)
	assert.Equal(t, "svc@2.0.0", doc.Suites[0].Name)
	assert.Equal(t, 2, doc.Suites[0].Tests)
	assert.Equal(t, 1, doc.Suites[0].Failures)

	deps := history(t, p, "")
	require.NotEmpty(t, deps.Releases)
	assert.Equal(t, "failed", deps.Releases[0].Status)
}

// removeKeptSandbox removes a sandbox kept with --keep-on-failure: its
// container and forwarder, and the networks named after each.
func removeKeptSandbox(ctx context.Context, eng *client.Client, name, forwarder string) {
	_ = engine.Remove(ctx, eng, forwarder)
	_ = engine.Remove(ctx, eng, name)
	_ = engine.RemoveNetwork(ctx, eng, forwarder)
	_ = engine.RemoveNetwork(ctx, eng, name)
}
