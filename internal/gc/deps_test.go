package gc

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDeps: gc shares the environment lock with promote through the
// ledger, and depends on no use case.
func TestDeps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	require.NoError(t, err)
	for _, dep := range strings.Fields(string(out)) {
		require.NotContains(t, []string{"github.com/bakehq/bake/internal/promote", "github.com/bakehq/bake/internal/rollback"}, dep)
	}
}
