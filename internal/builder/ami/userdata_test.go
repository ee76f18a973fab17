package ami

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/builder"
	"github.com/bakehq/bake/internal/config"
)

// TestProvisioningScriptRuns runs the user data with sh, a poweroff that
// only leaves a mark: the scripts run in order with the recipe's
// environment, then the instance powers off; a failing script stops it
// before anything else runs and before the power-off.
func TestProvisioningScriptRuns(t *testing.T) {
	dir := t.TempDir()
	ctxDir, bin, out := filepath.Join(dir, "context"), filepath.Join(dir, "bin"), filepath.Join(dir, "out")
	require.NoError(t, os.MkdirAll(filepath.Join(ctxDir, "lib"), 0o755))
	require.NoError(t, os.MkdirAll(bin, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(bin, "poweroff"), []byte("#!/bin/sh\necho poweroff >> \"$OUT\"\n"), 0o755))
	// No shebang: sh runs it itself.
	require.NoError(t, os.WriteFile(filepath.Join(ctxDir, "first.sh"), []byte("echo \"first $GREETING\" >> \"$OUT\"\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(ctxDir, "lib", "second.sh"), []byte("#!/bin/sh\necho \"second $QUOTED\" >> \"$OUT\"\n"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(ctxDir, "fail.sh"), []byte("#!/bin/sh\necho partial output\nexit 3\n"), 0o755))
	spec := builder.Spec{Image: &config.Image{Name: "web", Context: ctxDir, Template: dir}}

	var console string
	run := func(scripts ...string) (string, error) {
		_ = os.Remove(out)
		script, err := provisioningScript(spec, Recipe{Scripts: scripts, Env: map[string]string{
			"GREETING": "hello", "QUOTED": `it's "quoted" $HOME`, "OUT": out,
		}})
		require.NoError(t, err)
		cmd := exec.Command("sh", "-c", script)
		cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin"}
		output, runErr := cmd.CombinedOutput()
		got, _ := os.ReadFile(out)
		t.Logf("%s", output)
		console = string(output)
		return string(got), runErr
	}

	got, err := run("first.sh", "lib/second.sh")
	require.NoError(t, err)
	assert.Equal(t, "first hello\nsecond it's \"quoted\" $HOME\npoweroff\n", got)

	got, err = run("first.sh", "fail.sh", "lib/second.sh")
	require.Error(t, err)
	assert.Equal(t, "first hello\n", got, "no script after the failed one, no power-off")
	rep := readReport(nil, console)
	assert.Equal(t, "failed", rep.Status, console)
	assert.Equal(t, "fail.sh exit 3", rep.Step)
	assert.Equal(t, []string{"partial output"}, rep.Tail)
}

func TestProvisioningScriptTooLarge(t *testing.T) {
	ctxDir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(ctxDir, "big.sh"), []byte(strings.Repeat("x", maxUserData)), 0o644))
	_, err := provisioningScript(builder.Spec{Image: &config.Image{Name: "web", Context: ctxDir, Template: ctxDir}}, Recipe{Scripts: []string{"big.sh"}})
	require.Error(t, err)
	assert.ErrorIs(t, err, builder.ErrTemplate)
	assert.Contains(t, err.Error(), "more than EC2's 16384")
}
