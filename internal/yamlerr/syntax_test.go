package yamlerr

import (
	"strings"
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

func TestLongKey(t *testing.T) {
	long := strings.Repeat("h", 2000)
	line, col, n, ok := LongKey([]byte("images:\n  " + long + ":\n    template: t\n"))
	assert.True(t, ok)
	assert.Equal(t, []int{2, 3, 2000}, []int{line, col, n})
	line, col, n, ok = LongKey([]byte("a:\n  - " + long + ": 1\n"))
	assert.True(t, ok)
	assert.Equal(t, []int{2, 5, 2000}, []int{line, col, n})

	_, _, _, ok = LongKey([]byte("a:\n  b: c\n"))
	assert.False(t, ok, "short keys")
	_, _, _, ok = LongKey([]byte("a: " + long + "\n"))
	assert.False(t, ok, "a long value")
}
