package kubernetes_test

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/kubex"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/targets"
)

// TestCheck: a context the kubeconfig lacks is bad input; an API server
// that does not answer is unreachable, found at once; nothing is recorded
// either way.
func TestCheck(t *testing.T) {
	t.Parallel()
	f := newFixture(t, config.BlueGreen, config.KeepWarm, 3)
	rel := f.release("1.0.0")
	require.NoError(t, f.target.Check(t.Context(), f.request(rel)))

	f.tgt().Kubernetes.Context = "no-such-context"
	f.fresh()
	err := f.target.Check(t.Context(), f.request(rel))
	require.ErrorIs(t, err, kubex.ErrKubeconfig)
	assert.Contains(t, err.Error(), `no context "no-such-context"`)

	// A port nothing listens on: taken and released.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	require.NoError(t, os.WriteFile(kubeconfig, fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters: [{name: gone, cluster: {server: "https://127.0.0.1:%d", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: gone, context: {cluster: gone, user: u}}]
current-context: gone
`, port), 0o600))
	f.tgt().Kubernetes.Kubeconfig, f.tgt().Kubernetes.Context = kubeconfig, ""
	f.fresh()
	start := time.Now()
	err = f.target.Check(t.Context(), f.request(rel))
	require.ErrorIs(t, err, targets.ErrUnreachable)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Contains(t, err.Error(), fmt.Sprintf("https://127.0.0.1:%d", port))
	assert.Contains(t, err.Error(), "connection refused")
	assert.Contains(t, err.Error(), "nothing changed")
	t.Log(err)

	_, _, err = f.execute(ledger.KindPromote, rel)
	require.ErrorIs(t, err, targets.ErrUnreachable)
	_, err = f.store.Current(t.Context(), image, env)
	assert.ErrorIs(t, err, ledger.ErrNotFound, "nothing recorded")
}
