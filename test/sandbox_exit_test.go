package e2e

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSandboxServiceThatExits releases an image whose service exits at
// start. Its tcp check reaches the forwarder, which accepts whether or not
// anything is behind it: the check must still fail, saying the service
// exited, with the line it wrote and the read-only opt-out, and the release
// must not be recorded as validated. An http check with a minute to pass
// stops retrying as soon as the service is gone.
func TestSandboxServiceThatExits(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	p.HealthyAfter = "never" // the svc refuses to start: not a number of seconds
	p.writeConfig(t)
	b, err := os.ReadFile(p.ConfigPath())
	require.NoError(t, err)
	config := strings.Replace(string(b), "    checks:\n", `    checks:
      - name: patient
        http: {path: /healthz, status: 200, timeout: 60s}
      - name: port
        tcp: {port: 8080, timeout: 5s}
`, 1)
	writeFile(t, p.ConfigPath(), config)

	start := time.Now()
	res := bake(t, p.Dir, "release", "svc", "--version", "1.0.0")
	require.Equal(t, 1, res.code, res.String())
	assert.Less(t, time.Since(start), 40*time.Second, "the http check waited out its minute")
	exited := `the service exited with code 1: .*SVC_HEALTHY_AFTER "never".*set images\.svc\.sandbox: \{read_only: false\}`
	assert.Regexp(t, `FAIL patient: `+exited, res.stderr)
	assert.Regexp(t, `FAIL port: `+exited, res.stderr)
	assert.NotContains(t, res.stderr, "ok   port")
	hist := mustBake(t, p.Dir, "history", "svc")
	assert.NotContains(t, hist.stdout, "validated")
}

// TestSandboxTCPCheckNeedsAListener releases an image whose declared port
// nothing listens on, though the service runs: the forwarder publishing it
// accepts the connection, and the tcp check must still fail.
func TestSandboxTCPCheckNeedsAListener(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	b, err := os.ReadFile(p.ConfigPath())
	require.NoError(t, err)
	config := strings.Replace(string(b), "    port: 8080\n", "    port: 9090\n", 1)
	config = strings.Replace(config, "    checks:\n", "    checks:\n      - name: port\n        tcp: {timeout: 3s}\n", 1)
	writeFile(t, p.ConfigPath(), config)

	res := bake(t, p.Dir, "release", "svc", "--version", "1.0.0")
	require.Equal(t, 1, res.code, res.String())
	assert.Regexp(t, `FAIL port: .*closed at once`, res.stderr)
}
