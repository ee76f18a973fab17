package version

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// gitStep changes a test repository: a commit or a tag.
type gitStep func(t *testing.T, dir string)

// newRepo creates an empty git repository with a local identity and no signing,
// so the user's global configuration cannot change what the tests see.
func newRepo(t *testing.T, steps ...gitStep) string {
	t.Helper()
	dir := t.TempDir()
	runGit(t, dir, "init", "--quiet", "--initial-branch=main")
	runGit(t, dir, "config", "user.name", "Test")
	runGit(t, dir, "config", "user.email", "test@example.com")
	runGit(t, dir, "config", "commit.gpgSign", "false")
	runGit(t, dir, "config", "tag.gpgSign", "false")
	for _, step := range steps {
		step(t, dir)
	}
	return dir
}

// commitFiles commits a change to each file (README.md when none is given)
// with the full commit message.
func commitFiles(message string, files ...string) gitStep {
	return func(t *testing.T, dir string) {
		t.Helper()
		if len(files) == 0 {
			files = []string{"README.md"}
		}
		for _, f := range files {
			path := filepath.Join(dir, f)
			require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
			fh, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
			require.NoError(t, err)
			_, err = fh.WriteString(message + "\n")
			require.NoError(t, err)
			require.NoError(t, fh.Close())
		}
		msgFile := filepath.Join(t.TempDir(), "message")
		require.NoError(t, os.WriteFile(msgFile, []byte(message), 0o644))
		runGit(t, dir, append([]string{"add", "--"}, files...)...)
		runGit(t, dir, "commit", "--quiet", "--cleanup=verbatim", "--file", msgFile)
	}
}

// tagHead puts a lightweight tag on HEAD; Next must read those as well as
// the annotated tags Tag creates.
func tagHead(name string) gitStep {
	return func(t *testing.T, dir string) {
		t.Helper()
		runGit(t, dir, "tag", name)
	}
}

// runGit runs git in dir and fails the test on error.
func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %s: %s", strings.Join(args, " "), out)
	return strings.TrimSpace(string(out))
}

// notRepoDir returns an empty directory that git will not find a repository
// above, whatever the machine's temporary directory is inside.
func notRepoDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("GIT_CEILING_DIRECTORIES", filepath.Dir(dir))
	return dir
}
