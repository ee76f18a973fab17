package yamlerr

import (
	"errors"
	"io/fs"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestErrorWrapsKindAndCause(t *testing.T) {
	kind := errors.New("invalid file")
	e := &Error{File: "b.yaml", Line: 7, Column: 5, Key: "images.x", Msg: "unknown key", Kind: kind}
	assert.EqualError(t, e, "b.yaml:7:5: images.x: unknown key")
	assert.ErrorIs(t, e, kind)
	assert.NotErrorIs(t, e, fs.ErrNotExist)

	e = &Error{File: "b.yaml", Msg: "reading it: no such file", Kind: kind, Cause: fs.ErrNotExist}
	assert.ErrorIs(t, e, kind)
	assert.ErrorIs(t, e, fs.ErrNotExist)
	assert.Empty(t, (&Error{}).Unwrap())
}
