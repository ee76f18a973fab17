package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReferenceIsCurrent fails when docs/reference differs from what the
// code generates: a command, flag, help text or config field changed
// without the references being regenerated.
func TestReferenceIsCurrent(t *testing.T) {
	ref, err := generate("../..")
	require.NoError(t, err)
	stale, err := ref.diff("../../docs/reference")
	require.NoError(t, err)
	if len(stale) > 0 {
		t.Fatalf("docs/reference is stale; run `make docs` and commit the result:\n  %s", strings.Join(stale, "\n  "))
	}
}
