package journal

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJournal(t *testing.T) {
	path := Path(t.TempDir())
	ops, err := Read(path)
	require.NoError(t, err)
	assert.Empty(t, ops, "no journal yet")

	require.NoError(t, Record(path, "a1b2", "release web", time.Now()))
	require.NoError(t, Record(path, "c3d4", "promote\nweb@1.0.0 --to prod", time.Now()))
	require.Error(t, Record(path, "", "release", time.Now()))
	require.Error(t, Record(path, "x y", "release", time.Now()))
	ops, err = Read(path)
	require.NoError(t, err)
	assert.Equal(t, map[string]bool{"a1b2": true, "c3d4": true}, ops)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Regexp(t, `^a1b2 \S+ release web\nc3d4 \S+ promote web@1.0.0 --to prod\n$`, string(data))
	assert.Equal(t, filepath.Join(filepath.Dir(filepath.Dir(path)), ".bake", "operations"), path)
}
