package e2e

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// insertInto puts text into the project's bake.yaml before the first line
// equal to before.
func insertInto(t *testing.T, p *project, before, text string) {
	t.Helper()
	data, err := os.ReadFile(p.ConfigPath())
	require.NoError(t, err)
	require.Contains(t, string(data), before)
	require.NoError(t, os.WriteFile(p.ConfigPath(), []byte(strings.Replace(string(data), before, text+before, 1)), 0o644))
}

// TestNotRootCheck: the svc image has no USER, so it runs as root, and a
// check that asks otherwise fails the release with what it saw. The image
// may also opt out of the read-only root filesystem.
func TestNotRootCheck(t *testing.T) {
	t.Parallel()
	p := newProject(t, projectOptions{})
	insertInto(t, p, "    vars:\n", "    sandbox: {read_only: false}\n")
	insertInto(t, p, "      - name: healthz\n", "      - name: not-root\n        user: {not_root: true}\n")
	mustBake(t, p.Dir, "config", "validate")

	res := bake(t, p.Dir, "release", "svc", "--version", "1.0.0")
	assert.Equal(t, 1, res.code, res.String())
	assert.Contains(t, res.stderr, "not-root: expected a user other than root, got unset (root)")
	h := history(t, p, "")
	require.NotEmpty(t, h.Releases)
	assert.Equal(t, "failed", h.Releases[0].Status)
}
