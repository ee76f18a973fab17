package cst

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/probe"
)

func TestRendersNamesTheField(t *testing.T) {
	s, err := Parse("checks.yaml", []byte("schemaVersion: 2.0.0\nfileExistenceTests:\n  - name: svc\n    path: /{{ .Vars.bin }}\n"))
	require.NoError(t, err)
	assert.NoError(t, s.Renders(probe.Data{Image: "svc", Version: "1.0.0", Vars: map[string]string{"bin": "svc"}}))
	err = s.Renders(probe.Data{Image: "svc", Version: "1.0.0", Vars: map[string]string{}})
	assert.ErrorIs(t, err, ErrInvalid)
	assert.EqualError(t, err, `checks.yaml: fileExistenceTests[0].path: invalid template: <.Vars.bin>: map has no entry for key "bin"`)
}
