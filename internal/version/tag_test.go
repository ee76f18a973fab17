package version

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTag(t *testing.T) {
	dir := newRepo(t, commitFiles("chore: init"), commitFiles("feat: y"))
	head := runGit(t, dir, "rev-parse", "HEAD")
	first := runGit(t, dir, "rev-parse", "HEAD~1")

	require.NoError(t, Tag(t.Context(), dir, "hello", mustParse("1.0.0"), ""))
	assert.Equal(t, "tag", runGit(t, dir, "cat-file", "-t", "hello/v1.0.0"), "annotated")
	assert.Equal(t, head, runGit(t, dir, "rev-parse", "hello/v1.0.0^{commit}"))
	assert.Equal(t, "hello 1.0.0", runGit(t, dir, "tag", "--list", "--format=%(contents:subject)", "hello/v1.0.0"))
	assert.Equal(t, "Test", runGit(t, dir, "tag", "--list", "--format=%(taggername)", "hello/v1.0.0"),
		"a configured identity is kept")

	err := Tag(t.Context(), dir, "hello", mustParse("1.0.0"), first)
	assert.ErrorIs(t, err, ErrTagExists)
	assert.ErrorContains(t, err, `tagging "hello/v1.0.0"`)
	assert.Equal(t, head, runGit(t, dir, "rev-parse", "hello/v1.0.0^{commit}"), "duplicate left untouched")

	require.NoError(t, Tag(t.Context(), dir, "web", mustParse("0.1.0-rc.1"), first))
	assert.Equal(t, first, runGit(t, dir, "rev-parse", "web/v0.1.0-rc.1^{commit}"))

	got, err := Next(t.Context(), NextOptions{Dir: dir, Image: "hello"})
	require.NoError(t, err)
	assert.Equal(t, "1.0.1", got.Version.String(), "Next reads the tag Tag made")
}

func TestTagWithoutIdentity(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("GIT_CONFIG_GLOBAL", filepath.Join(home, "gitconfig"))
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	for _, key := range []string{"EMAIL", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"} {
		t.Setenv(key, "")
		require.NoError(t, os.Unsetenv(key))
	}
	dir := t.TempDir()
	runGit(t, dir, "init", "--quiet")
	runGit(t, dir, "-c", "user.name=Someone", "-c", "user.email=someone@example.com", "commit", "--quiet", "--allow-empty", "-m", "chore: init")

	require.NoError(t, Tag(t.Context(), dir, "hello", mustParse("1.0.0"), ""))
	assert.Equal(t, "bake <bake@localhost>",
		runGit(t, dir, "tag", "--list", "--format=%(taggername) %(taggeremail)", "hello/v1.0.0"))
	assert.Empty(t, runGitAllowFail(t, dir, "config", "--get", "user.email"), "no identity written to the repository")
}

func TestTagErrors(t *testing.T) {
	repo := newRepo(t, commitFiles("chore: init"))
	tests := []struct {
		name    string
		dir     string
		image   string
		commit  string
		wantIs  error
		wantErr string
	}{
		{name: "not a git repository", dir: "", image: "hello", wantIs: ErrNotGitRepo},
		{name: "unknown commit", dir: repo, image: "hello", commit: "0123456789abcdef0123456789abcdef01234567", wantErr: "not found"},
		{name: "option-like commit", dir: repo, image: "hello", commit: "--all", wantIs: ErrInvalid},
		{name: "empty image", dir: repo, image: "", wantIs: ErrInvalid},
		{name: "image not valid in a ref", dir: repo, image: "bad..name", wantErr: `tagging "bad..name/v1.0.0"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.dir
			if dir == "" {
				dir = notRepoDir(t)
			}
			err := Tag(t.Context(), dir, tt.image, mustParse("1.0.0"), tt.commit)
			require.Error(t, err)
			if tt.wantIs != nil {
				assert.ErrorIs(t, err, tt.wantIs)
			}
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
}

func TestTagEmptyRepository(t *testing.T) {
	err := Tag(t.Context(), newRepo(t), "hello", mustParse("1.0.0"), "")
	assert.ErrorContains(t, err, `commit "HEAD" not found`)
}

// runGitAllowFail runs git in dir and returns its output even when it fails.
func runGitAllowFail(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, _ := git(t.Context(), dir, args...)
	return out
}
