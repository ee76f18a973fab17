package builder

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTemplateErrorsAreForPeople: a template that does not render says
// where, which action and what to change, in words instead of Go's.
func TestTemplateErrorsAreForPeople(t *testing.T) {
	tests := []struct {
		name, template, want string
	}{
		{"a var bake.yaml does not set", "FROM scratch\nLABEL x={{ .Vars.missing }}\n",
			`Dockerfile.tmpl:2:16: {{ .Vars.missing }}: image "web" has no var "missing": add it under images.web.vars in bake.yaml`},
		{"a field templates do not have", "FROM scratch\nLABEL v={{ .Versoin }}\n",
			`Dockerfile.tmpl:2:11: {{ .Versoin }}: a template has no .Versoin; it has .Image, .Version, .GitCommit, .Base and .Vars`},
		{"a secret the image does not declare", "FROM scratch\nRUN {{ secret \"token\" }}\n",
			`Dockerfile.tmpl:2:7: {{ secret "token" }}: secret "token" is not declared: add it to the secrets of image "web" in bake.yaml`},
		{"an action left open", "FROM {{ .Base \n", `Dockerfile.tmpl:2: unclosed action started at `},
		{"a function that does not exist", "FROM {{ shout .Base }}\n", `Dockerfile.tmpl:1: function "shout" not defined`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fixture(t)
			s.Image.Name = "web"
			write(t, filepath.Join(s.Image.Template, DockerfileTemplate), tt.template)
			_, err := Render(s, DockerfileTemplate)
			require.ErrorIs(t, err, ErrTemplate)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "template: ", "text/template's prefix")
			assert.NotContains(t, err.Error(), "executing")
			assert.NotContains(t, err.Error(), "builder.TemplateData")
			assert.NotContains(t, err.Error(), "error calling")
		})
	}
}
