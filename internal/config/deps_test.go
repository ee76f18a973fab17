package config

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDeps: reading bake.yaml links no database SDK and no ledger backend,
// only the key handling that signing.public_keys needs.
func TestDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	require.NoError(t, err)
	for _, dep := range strings.Fields(string(out)) {
		require.NotContains(t, dep, "sqlite")
		require.NotContains(t, dep, "dynamodb")
		require.NotEqual(t, "github.com/bakehq/bake/internal/ledger", dep)
	}
}
