package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPlainDockerfileThatCannotBuild: a plain Dockerfile BuildKit would
// refuse (a misspelled instruction, a step before FROM, an instruction
// without its arguments, FROM ${BAKE_BASE} with no base and no default) is
// bad input when bake.yaml loads, at the
// Dockerfile's line, before anything is built or recorded; it was a failed
// build (exit 1) after the build had started.
func TestPlainDockerfileThatCannotBuild(t *testing.T) {
	t.Parallel()
	name := "e2e-" + randomHex(t, 4)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "bake.yaml"), `project: `+name+`
registry: 127.0.0.1:5000
ledger: ledger.db
images:
  api:
    dockerfile: Dockerfile
environments:
  - name: dev
    targets: {}
`)
	for _, tc := range []struct{ dockerfile, says string }{
		{"FROM scratch\nCOPPY svc /svc\n", "Dockerfile:2: unknown instruction: COPPY"},
		{"COPY svc /svc\nFROM scratch\n", "Dockerfile:1: COPY before the first FROM"},
		{"FROM scratch\nCOPY svc\n", "Dockerfile:2: COPY requires at least two arguments"},
		{"ARG BAKE_BASE\nFROM ${BAKE_BASE}\n", "Dockerfile:2 builds FROM ${BAKE_BASE}, which has no value without a base: set images.api.base"},
	} {
		writeFile(t, filepath.Join(dir, "Dockerfile"), tc.dockerfile)
		res := bake(t, dir, "config", "validate")
		assert.Equal(t, 2, res.code, res.String())
		assert.Contains(t, res.stderr, "bake.yaml:6:17: images.api.dockerfile: ")
		assert.Contains(t, res.stderr, tc.says)

		res = bake(t, dir, "release", "api", "-o", "json")
		assert.Equal(t, 2, res.code, res.String())
		var doc struct {
			Error struct{ Code, Message string }
		}
		require.NoError(t, json.Unmarshal([]byte(res.stdout), &doc), res.stdout)
		assert.Equal(t, "bad-input", doc.Error.Code)
		assert.Contains(t, doc.Error.Message, tc.says)
		assert.NotContains(t, res.stderr, "load build definition", "nothing was built")
	}
	_, err := os.Stat(filepath.Join(dir, "ledger.db"))
	assert.ErrorIs(t, err, os.ErrNotExist, "nothing was recorded")
}
