package ami

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/builder"
	"github.com/bakehq/bake/internal/config"
)

// TestExampleTemplate renders and parses templates/ami/debian-web with the
// build context images/web-ami, as README's bake.yaml snippet defines it.
func TestExampleTemplate(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	require.NoError(t, err)
	s := builder.Spec{Project: "demo", Version: "0.1.0", Image: &config.Image{
		Name: "web-ami", Template: filepath.Join(root, "templates", "ami", "debian-web"),
		Context: filepath.Join(root, "images", "web-ami"), Vars: map[string]string{"message": "hello from bake"},
	}}
	rendered, err := builder.Render(s, Template)
	require.NoError(t, err)
	rec, err := parseRecipe(filepath.Join(s.Image.Template, Template), s.Image.Context, rendered)
	require.NoError(t, err)
	assert.Equal(t, []string{"136693071363"}, rec.Source.Owners)
	assert.Equal(t, []string{"provision.sh"}, rec.Scripts)
	assert.Equal(t, map[string]string{"WEB_MESSAGE": "hello from bake", "WEB_VERSION": "0.1.0"}, rec.Env)
	_, err = provisioningScript(s, rec)
	require.NoError(t, err)
}
