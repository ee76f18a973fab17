package e2e

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/tools/clientcmd"
)

// TestKubernetesUnhealthyRelease: a release whose pods never become ready
// (kwok keeps them unready, with the kubelet's Unhealthy event) or
// crash-loop fails its promote with exit 1 naming the pods and their
// events; the Deployment it created is deleted, the old one is untouched
// and still selected, and the ledger records the failure.
func TestKubernetesUnhealthyRelease(t *testing.T) {
	t.Parallel()
	p := newKubeProject(t, kubeOptions{HealthTimeout: "10s"})
	v1 := p.release("1.0.0")
	p.release("1.1.0")
	p.mustBake("promote", "svc@1.0.0", "--to", "dev")
	old := p.assertRuns("dev", v1, 2)

	for _, c := range []struct{ fate, event string }{
		{"unready", "Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 503"},
		{"crashloop", "BackOff: Back-off restarting failed container app"},
	} {
		p.setFate("dev", c.fate)
		res := p.bake("promote", "svc@1.1.0", "--to", "dev")
		require.Equal(t, 1, res.code, "%s\n%s", c.fate, res)
		assert.Regexp(t, `pod svc-v1-1-0-[a-z0-9]+-[a-z0-9]+: `+c.event, res.stderr, c.fate)
		assert.Contains(t, res.stderr, "Deployment svc-v1-1-0 was not available within 10s", c.fate)
		assert.Contains(t, res.stderr, "deleted Deployment svc-v1-1-0", c.fate)
		assertKubeCalls(t, res)

		assert.Equal(t, []string{"svc-v1-0-0"}, p.deployments("dev"), "the new Deployment is gone (%s)", c.fate)
		p.assertSelects("dev", "1.0.0")
		now := p.assertRuns("dev", v1, 2)
		assert.Equal(t, old.Generation, now.Generation, "the old Deployment was not changed (%s)", c.fate)
		assert.Equal(t, old.Spec, now.Spec, "the old Deployment was not changed (%s)", c.fate)

		d := newest(t, p.history("dev"), "promote", "1.1.0")
		assert.Equal(t, "failed", d.Outcome, c.fate)
		assert.Contains(t, d.Reason, "svc-v1-1-0", c.fate)
		assert.Equal(t, "1.0.0", p.status("dev").Version, c.fate)
	}
	p.setFate("dev", "")
	p.mustBake("status", "--check")
	p.mustBake("verify")
}

// TestKubernetesUnusableCluster: a kubeconfig that does not exist or has
// no such context is bad input (exit 2, one line); an API server that does
// not answer fails the promote (exit 1). Neither records anything or
// creates anything in the cluster.
func TestKubernetesUnusableCluster(t *testing.T) {
	t.Parallel()
	p := newKubeProject(t, kubeOptions{})
	p.release("1.0.0")
	good := p.Kubeconfig

	// A copy of the test cluster's kubeconfig whose server is a loopback
	// port nothing listens on.
	cfg, err := clientcmd.LoadFromFile(good)
	require.NoError(t, err)
	for _, c := range cfg.Clusters {
		c.Server = "https://127.0.0.1:" + strconv.Itoa(freePort(t))
	}
	unreachable := filepath.Join(t.TempDir(), "unreachable.kubeconfig")
	require.NoError(t, clientcmd.WriteToFile(*cfg, unreachable))

	for _, c := range []struct {
		name, kubeconfig, context string
		code                      int
		says                      string
	}{
		{"missing kubeconfig", filepath.Join(p.Dir, "no-such.kubeconfig"), p.Context, 2, "no-such.kubeconfig"},
		{"wrong context", good, "no-such-context", 2, `"no-such-context"`},
		{"unreachable API server", unreachable, p.Context, 1, "nothing changed"},
	} {
		t.Run(strings.ReplaceAll(c.name, " ", "-"), func(t *testing.T) {
			p.Kubeconfig, p.Context = c.kubeconfig, c.context
			p.writeConfig()
			res := bake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
			require.Equal(t, c.code, res.code, res.String())
			assert.Contains(t, res.stderr, c.says)
			// After the line that says what the promote is about, one line
			// says what is wrong.
			lines := strings.Split(strings.TrimRight(res.stderr, "\n"), "\n")
			if c.code == 1 {
				// The one call made: asking the API server its version.
				require.NotEmpty(t, lines)
				assert.Equal(t, "kubernetes: 1 API calls (get version 1)", lines[len(lines)-1])
				lines = lines[:len(lines)-1]
			}
			// An unusable kubeconfig adds a hint line: where to name one.
			if c.code == 2 {
				require.NotEmpty(t, lines)
				assert.True(t, strings.HasPrefix(lines[len(lines)-1], "hint: "), res.stderr)
				lines = lines[:len(lines)-1]
			}
			require.Len(t, lines, 2, res.stderr)
			assert.True(t, strings.HasPrefix(lines[0], "promoting svc@1.0.0 "), lines[0])
			assert.True(t, strings.HasPrefix(lines[1], "bake: "), lines[1])
			t.Log(lines[1])
			assert.NotContains(t, res.stderr, "goroutine", "no stack trace")
			assert.Empty(t, p.history("").Deployments, "nothing recorded")
			assert.Empty(t, p.deployments("dev"), "nothing created")
			assert.Nil(t, p.service("dev"), "nothing created")
		})
	}
}
