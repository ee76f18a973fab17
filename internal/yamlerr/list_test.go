package yamlerr

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type problem struct {
	line, col int
	msg       string
}

func (p *problem) Error() string                { return Format("f.yaml", p.line, p.col, "", p.msg) }
func (p *problem) Position() (line, column int) { return p.line, p.col }

func TestListSortsByPosition(t *testing.T) {
	l := List[*problem]{{9, 1, "c"}, {2, 7, "b"}, {2, 3, "a"}}
	err := l.Err()
	assert.EqualError(t, err, "f.yaml:2:3: a\nf.yaml:2:7: b\nf.yaml:9:1: c")
	var first *problem
	require.True(t, errors.As(err, &first))
	assert.Equal(t, "a", first.msg)
	assert.NoError(t, List[*problem](nil).Err())
	one := &problem{1, 1, "only"}
	assert.Same(t, one, List[*problem]{one}.Err())
}

func TestFormat(t *testing.T) {
	assert.Equal(t, "b.yaml:7:5: images.x: unknown key", Format("b.yaml", 7, 5, "images.x", "unknown key"))
	assert.Equal(t, "b.yaml:3: malformed", Format("b.yaml", 3, 0, "", "malformed"))
	assert.Equal(t, "b.yaml: empty", Format("b.yaml", 0, 9, "", "empty"))
}
