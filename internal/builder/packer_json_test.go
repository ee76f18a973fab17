package builder

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPackerJSONProblemsNameTheLine checks that a packer.json that does not
// decode is reported at FILE:LINE:COL, as bake.yaml is, not by file alone.
func TestPackerJSONProblemsNameTheLine(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{name: "a stray comma", src: "{\n  \"variables\": {\n    \"region\": \"eu\",\n  }\n}\n",
			want: `packer.json:4:3: invalid character '}' looking for beginning of object key string`},
		{name: "cut short", src: "{\n  \"variables\": {", want: `packer.json:2:17: unexpected end of JSON input`},
		{name: "empty", src: "", want: `packer.json:1:1: unexpected end of JSON input`},
		{name: "after a multi-byte character", src: "{\"builders\": [{\"name\": \"é\"}] x}",
			want: `packer.json:1:30: invalid character 'x' after object key:value pair`},
		{name: "variables not an object", src: "{\n  \"variables\": [\"region\"]\n}",
			want: `packer.json:2:16: variables: expected an object, got an array`},
		{name: "sensitive variables not names", src: "{\"sensitive-variables\": [1]}",
			want: `packer.json:1:26: sensitive-variables: expected a list of variable names, got a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := packerFixture(t)
			s.Image.Template = t.TempDir()
			write(t, filepath.Join(s.Image.Template, PackerTemplateJSON), tt.src)
			_, err := (&Packer{}).Prepare(s)
			require.ErrorIs(t, err, ErrTemplate)
			assert.Contains(t, err.Error(), filepath.Join(s.Image.Template, tt.want))
		})
	}
}
