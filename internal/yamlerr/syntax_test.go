package yamlerr

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUnknownAlias(t *testing.T) {
	data := []byte("a: 1\nb: [x, *nope]\nc: *nope\n")
	line, col, ok := UnknownAlias(data, "yaml: unknown anchor 'nope' referenced")
	require.True(t, ok)
	assert.Equal(t, []int{2, 8}, []int{line, col})
	_, _, ok = UnknownAlias(data, "yaml: line 2: did not find expected key")
	assert.False(t, ok)
	_, _, ok = UnknownAlias([]byte("a: *nopex\n"), "unknown anchor 'nope' referenced")
	assert.False(t, ok, "*nopex is another alias")
}

func TestTabIndent(t *testing.T) {
	line, col, ok := TabIndent([]byte("a:\n  b: c\n  \td: e\n"), 2)
	require.True(t, ok)
	assert.Equal(t, []int{3, 3}, []int{line, col})
	_, _, ok = TabIndent([]byte("a:\n\tb: c\n  d: e\n"), 3)
	assert.False(t, ok, "the tab is before line 3")
	_, _, ok = TabIndent([]byte("a: \"x\ty\"\n"), 1)
	assert.False(t, ok, "a tab inside a value indents nothing")
}
