package e2e

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWebhookRefusesInternalReceivers: a webhook URL, from bake.yaml or
// BAKE_WEBHOOK_URL, cannot make bake POST to a loopback receiver unless
// bake.yaml allows it, to the cloud metadata service ever, or to wherever a
// receiver redirects. The operation itself still succeeds.
func TestWebhookRefusesInternalReceivers(t *testing.T) {
	t.Parallel()
	var stolen, redirected atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		stolen.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer elsewhere.Close()
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		redirected.Add(1)
		http.Redirect(w, r, elsewhere.URL+"/admin/config", http.StatusFound)
	}))
	defer redirector.Close()

	p := newProject(t, projectOptions{Webhook: redirector.URL + "/hook"})

	// Without allow: [loopback], a loopback receiver is bad input at its line.
	config, err := os.ReadFile(p.ConfigPath())
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(p.ConfigPath(), []byte(strings.Replace(string(config), "  allow: [loopback]\n", "", 1)), 0o644))
	res := bake(t, p.Dir, "config", "validate")
	assert.Equal(t, 2, res.code, res.String())
	assert.Regexp(t, `bake\.yaml:\d+:\d+: notify\.webhook: "http://127\.0\.0\.1:\d+/hook": use https`, res.stderr)
	require.NoError(t, os.WriteFile(p.ConfigPath(), config, 0o644))

	// A receiver that redirects: the redirect is its answer, never followed.
	res = mustBake(t, p.Dir, "release", "svc", "--version", "1.0.0")
	assert.Contains(t, res.stderr, "got 302")
	assert.Contains(t, res.stderr, "a redirect (not followed")
	assert.Equal(t, int32(1), redirected.Load(), "a redirect is not retried")
	assert.Zero(t, stolen.Load(), "requests that reached the redirect's target")

	// BAKE_WEBHOOK_URL stands in for notify.webhook and is bad input on the
	// same terms, before anything runs: the metadata service, even with
	// loopback and private addresses allowed, and plain http to anything but
	// loopback.
	require.NoError(t, os.WriteFile(p.ConfigPath(), []byte(strings.Replace(string(config), "[loopback]", "[loopback, private]", 1)), 0o644))
	before := mustBake(t, p.Dir, "history", "svc", "--all", "-o", "json").stdout
	res = bakeEnv(t, p.Dir, []string{"BAKE_WEBHOOK_URL=https://169.254.169.254/latest/meta-data/"}, "promote", "svc@1.0.0", "--to", "dev")
	assert.Equal(t, 2, res.code, res.String())
	assert.Equal(t, `bake: BAKE_WEBHOOK_URL "https://169.254.169.254/latest/meta-data/": address refused: 169.254.169.254 is a link-local or cloud metadata address, never allowed`+"\n", res.stderr)
	res = bakeEnv(t, p.Dir, []string{"BAKE_WEBHOOK_URL=http://hooks.example.com/bake"}, "promote", "svc@1.0.0", "--to", "qa")
	assert.Equal(t, 2, res.code, res.String())
	assert.Contains(t, res.stderr, "use https")
	assert.Equal(t, before, mustBake(t, p.Dir, "history", "svc", "--all", "-o", "json").stdout, "nothing recorded")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "dev")
	mustBake(t, p.Dir, "promote", "svc@1.0.0", "--to", "qa")
	assertServes(t, p, "qa", "1.0.0")
}
