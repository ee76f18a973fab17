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

// TestKubernetesUnreachableReads: when the API server stops answering
// after a promote, status, sweep and recover each say so as promote does:
// one line naming the API server, its context and what failed, with what
// to do, and never client-go's request URL with its encoded selectors.
func TestKubernetesUnreachableReads(t *testing.T) {
	t.Parallel()
	p := newKubeProject(t, kubeOptions{})
	p.release("1.0.0")
	p.mustBake("promote", "svc@1.0.0", "--to", "dev")

	cfg, err := clientcmd.LoadFromFile(p.Kubeconfig)
	require.NoError(t, err)
	server := "https://127.0.0.1:" + strconv.Itoa(freePort(t))
	for _, c := range cfg.Clusters {
		c.Server = server
	}
	unreachable := filepath.Join(t.TempDir(), "unreachable.kubeconfig")
	require.NoError(t, clientcmd.WriteToFile(*cfg, unreachable))
	p.Kubeconfig = unreachable
	p.writeConfig()

	says := "the Kubernetes API server " + server + ` (context "` + p.Context + `") is unreachable (connection refused)`
	for _, args := range [][]string{
		{"status", "--check"},
		{"sweep", "--kubernetes", "--dry-run"},
		{"recover", "dev"},
	} {
		t.Run(strings.Join(args, "-"), func(t *testing.T) {
			res := bake(t, p.Dir, args...)
			require.Equal(t, 1, res.code, res.String())
			t.Log(res.stderr)
			assert.Contains(t, res.stdout+res.stderr, says)
			for _, raw := range []string{"labelSelector", "%2F", `Get "`, "dial tcp", "deployment failed"} {
				assert.NotContains(t, res.stdout+res.stderr, raw)
			}
			var bakeLines []string
			for _, l := range strings.Split(res.stderr, "\n") {
				if strings.HasPrefix(l, "bake: ") {
					bakeLines = append(bakeLines, l)
				}
			}
			require.Len(t, bakeLines, 1, res.stderr)
			assert.Contains(t, bakeLines[0], "start the cluster, or correct the target's kubeconfig or context")
		})
	}
}
