package kubex

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOperation(t *testing.T) {
	for _, tc := range []struct{ method, url, ctype, want string }{
		{"GET", "/apis/apps/v1/namespaces/a/deployments/web-v1-2-0", "", "get deployments"},
		{"GET", "/apis/apps/v1/namespaces/a/deployments?labelSelector=x", "", "list deployments"},
		{"GET", "/api/v1/namespaces/a/pods?watch=true", "", "watch pods"},
		{"PATCH", "/api/v1/namespaces/a/services/web", "application/apply-patch+yaml", "apply services"},
		{"PATCH", "/apis/apps/v1/namespaces/a/deployments/web/scale", "application/merge-patch+json", "patch deployments/scale"},
		{"POST", "/api/v1/namespaces", "", "create namespaces"},
		{"GET", "/api/v1/namespaces/a", "", "get namespaces"},
		{"DELETE", "/apis/apps/v1/namespaces/a/deployments/x", "", "delete deployments"},
		{"PUT", "/api/v1/namespaces/a/services/web", "", "update services"},
		{"GET", "/version", "", "get version"},
	} {
		r := httptest.NewRequest(tc.method, tc.url, nil)
		r.Header.Set("Content-Type", tc.ctype)
		assert.Equal(t, tc.want, Operation(r), tc.url)
	}
}

const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:1"}
contexts:
- name: one
  context: {cluster: c, user: u}
users:
- name: u
  user: {token: t}
current-context: one
`

func TestOpen(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config")
	require.NoError(t, os.WriteFile(file, []byte(kubeconfig), 0o600))
	c, err := Open(Cluster{Kubeconfig: file}, nil)
	require.NoError(t, err)
	assert.Equal(t, "https://127.0.0.1:1", c.Server)
	assert.Equal(t, "one", c.Context)

	_, err = Open(Cluster{Kubeconfig: file, Context: "two"}, nil)
	require.ErrorIs(t, err, ErrKubeconfig)
	assert.Contains(t, err.Error(), `no context "two"`)
	_, err = Open(Cluster{Kubeconfig: filepath.Join(t.TempDir(), "missing")}, nil)
	require.ErrorIs(t, err, ErrKubeconfig)
	_ = http.MethodGet
}
