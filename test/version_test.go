package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestVersionFlag checks that `bake --version` prints the version, the
// commit and the Go version, the same line as `bake version`, and that the
// version and commit stamped at link time (as `make build` does) show.
func TestVersionFlag(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	flag := mustBake(t, dir, "--version")
	cmd := mustBake(t, dir, "version")
	assert.Equal(t, cmd.stdout, flag.stdout)
	assert.Regexp(t, `^bake \S+ \(\S+( commit)?, go1\.[^,]+, bake-builder/\d+\)\n$`, flag.stdout)

	bin := filepath.Join(t.TempDir(), "bake")
	build := exec.Command("go", "build", "-ldflags",
		"-X github.com/bakehq/bake/internal/cli.Version=v9.8.7 -X github.com/bakehq/bake/internal/cli.Commit=0123abcd",
		"-o", bin, "./cmd/bake")
	build.Dir = repoRoot
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	run := exec.Command(bin, "--version")
	run.Dir = dir
	out, err = run.Output()
	require.NoError(t, err)
	want := "bake v9.8.7 (0123abcd, " + runtime.Version() + ", bake-builder/"
	assert.True(t, strings.HasPrefix(string(out), want), "want %q..., got %q", want, out)

	run = exec.Command(bin, "version", "-o", "json")
	run.Dir, run.Env = dir, os.Environ()
	out, err = run.Output()
	require.NoError(t, err)
	var v struct{ Version, Commit, Go string }
	require.NoError(t, json.Unmarshal(out, &v), "%s", out)
	assert.Equal(t, "v9.8.7", v.Version)
	assert.Equal(t, "0123abcd", v.Commit)
	assert.Regexp(t, regexp.MustCompile(`^go1\.`), v.Go)
}
