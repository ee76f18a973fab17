package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestProbeRedirectNotFollowed: a sandboxed service whose check redirects
// bake to another address on 127.0.0.1 (standing in for the cloud metadata
// service or the front door's admin API) has its redirect judged as its
// answer. The other address gets no request and nothing it would have
// answered reaches the output or the ledger.
func TestProbeRedirectNotFollowed(t *testing.T) {
	t.Parallel()
	canary := "metadata-credentials-" + randomHex(t, 8)
	var stolen atomic.Int32
	metadata := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		stolen.Add(1)
		fmt.Fprint(w, canary)
	}))
	defer metadata.Close()

	p := newProject(t, projectOptions{})
	to := metadata.URL + "/latest/meta-data/iam/security-credentials/"
	insertInto(t, p, "      - name: version-flag\n", fmt.Sprintf(
		"      - name: redirect-seen\n        http: {path: \"/redirect?to=%s\", status: 302}\n"+
			"      - name: redirect-followed\n        http: {path: \"/redirect?to=%s\", status: 200, timeout: 2s}\n", to, to))
	mustBake(t, p.Dir, "config", "validate")

	res := bake(t, p.Dir, "release", "svc", "--version", "1.0.0")
	assert.Equal(t, 1, res.code, res.String())
	assert.Contains(t, res.stderr, "redirect-followed")
	assert.Contains(t, res.stderr, "got 302")
	assert.Contains(t, res.stderr, "(not followed)")
	assert.NotContains(t, res.String(), canary)
	assert.Zero(t, stolen.Load(), "requests that reached the redirect's target")

	h := history(t, p, "")
	require.NotEmpty(t, h.Releases)
	assert.Equal(t, "failed", h.Releases[0].Status)
	ledger, err := os.ReadFile(filepath.Join(p.Dir, "ledger.db"))
	require.NoError(t, err)
	assert.NotContains(t, string(ledger), canary, "the ledger holds an answer of the redirect's target")
	assert.Contains(t, string(ledger), "(not followed)", "the ledger records the redirect as the check's answer")

	show := bake(t, p.Dir, "show", "svc@1.0.0")
	assert.NotContains(t, show.String(), canary)
	assert.Regexp(t, `ok\s+http redirect-seen: GET \S+ answered 302`, show.stdout, "a check that expects the redirect passes on it")
}
