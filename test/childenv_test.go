package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestChildProcessesGetNoSecrets: the git bake runs to read the commit is
// a stand-in on PATH that records its environment and then runs the real
// git. It sees bake's ordinary environment but neither the signing key,
// nor a build secret, nor the webhook secret, nor AWS credentials.
func TestChildProcessesGetNoSecrets(t *testing.T) {
	t.Parallel()
	realGit, err := exec.LookPath("git")
	require.NoError(t, err)
	p := newProject(t, projectOptions{})
	bin, dump := t.TempDir(), filepath.Join(t.TempDir(), "git.env")
	writeFile(t, filepath.Join(bin, "git"), "#!/bin/sh\nenv >> '"+dump+"'\nexec '"+realGit+"' \"$@\"\n")
	require.NoError(t, os.Chmod(filepath.Join(bin, "git"), 0o755))

	res := bakeEnv(t, p.Dir, []string{
		"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"BAKE_SIGNING_KEY=canary-signing-key", "BAKE_SECRET_CANARY=canary-build-secret",
		"BAKE_WEBHOOK_SECRET=canary-webhook", "AWS_SECRET_ACCESS_KEY=canary-aws",
	}, "build", "svc", "--version", "1.0.0")
	require.Equal(t, 0, res.code, "%s", res)

	env, err := os.ReadFile(dump)
	require.NoError(t, err, "bake ran git")
	assert.Contains(t, string(env), "BAKE_USER=e2e", "git gets bake's ordinary environment")
	for _, name := range []string{"BAKE_SIGNING_KEY=", "BAKE_SECRET_CANARY=", "BAKE_WEBHOOK_SECRET=", "AWS_SECRET_ACCESS_KEY=", "canary-"} {
		assert.NotContains(t, string(env), name)
	}
}
