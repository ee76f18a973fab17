package version

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGitCommit(t *testing.T) {
	tests := []struct {
		name      string
		dir       func(t *testing.T) string
		wantSHA   bool
		wantDirty bool
	}{
		{
			name:    "clean",
			dir:     func(t *testing.T) string { return newRepo(t, commitFiles("chore: init")) },
			wantSHA: true,
		},
		{
			name: "modified file",
			dir: func(t *testing.T) string {
				dir := newRepo(t, commitFiles("chore: init"))
				require.NoError(t, os.WriteFile(filepath.Join(dir, "README.md"), []byte("changed\n"), 0o644))
				return dir
			},
			wantSHA:   true,
			wantDirty: true,
		},
		{
			name: "untracked file",
			dir: func(t *testing.T) string {
				dir := newRepo(t, commitFiles("chore: init"))
				require.NoError(t, os.WriteFile(filepath.Join(dir, "new.txt"), []byte("new\n"), 0o644))
				return dir
			},
			wantSHA:   true,
			wantDirty: true,
		},
		{
			name: "bake's own state, not ignored",
			dir: func(t *testing.T) string {
				dir := newRepo(t, commitFiles("chore: init"))
				require.NoError(t, os.MkdirAll(filepath.Join(dir, ".bake"), 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(dir, ".bake", "ledger.db"), []byte("x"), 0o644))
				return dir
			},
			wantSHA: true,
		},
		{
			name: "project in a subdirectory, its .bake and a change elsewhere",
			dir: func(t *testing.T) string {
				root := newRepo(t, commitFiles("chore: init"))
				dir := filepath.Join(root, "app")
				require.NoError(t, os.MkdirAll(filepath.Join(dir, ".bake"), 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(dir, ".bake", "ledger.db"), []byte("x"), 0o644))
				require.NoError(t, os.WriteFile(filepath.Join(root, "README.md"), []byte("changed\n"), 0o644))
				return dir
			},
			wantSHA:   true,
			wantDirty: true,
		},
		{
			name: "no commits yet",
			dir:  func(t *testing.T) string { return newRepo(t) },
		},
		{
			name: "not a git repository",
			dir:  notRepoDir,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.dir(t)

			commit, dirty, err := GitCommit(t.Context(), dir)
			require.NoError(t, err)
			if tt.wantSHA {
				assert.Equal(t, runGit(t, dir, "rev-parse", "HEAD"), commit)
				assert.Len(t, commit, 40)
			} else {
				assert.Empty(t, commit)
			}
			assert.Equal(t, tt.wantDirty, dirty)
		})
	}
}

func TestGitCommitMissingDir(t *testing.T) {
	_, _, err := GitCommit(t.Context(), filepath.Join(t.TempDir(), "missing"))
	assert.Error(t, err)
}
