package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake"
)

// TestInitPointsEditorsAtTheSchema checks that both kinds of bake init
// write the schema next to bake.yaml and name it on bake.yaml's first
// line, and that the file still loads.
func TestInitPointsEditorsAtTheSchema(t *testing.T) {
	for _, kind := range []string{"example", "dockerfile"} {
		t.Run(kind, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "shop")
			require.NoError(t, os.MkdirAll(dir, 0o755))
			if kind == "dockerfile" {
				require.NoError(t, os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nEXPOSE 8080\n"), 0o644))
			}
			_, err := runIn(t, dir, "init", dir)
			require.NoError(t, err)
			config, err := os.ReadFile(filepath.Join(dir, "bake.yaml"))
			require.NoError(t, err)
			first, _, _ := strings.Cut(string(config), "\n")
			assert.Equal(t, "# yaml-language-server: $schema=bake.schema.json", first)
			schema, err := os.ReadFile(filepath.Join(dir, "bake.schema.json"))
			require.NoError(t, err)
			assert.Equal(t, bake.Schema, schema)
			out, err := runIn(t, dir, "config", "validate")
			require.NoError(t, err)
			assert.Contains(t, out, "is valid")
			if kind == "dockerfile" {
				ignore, err := os.ReadFile(filepath.Join(dir, ".dockerignore"))
				require.NoError(t, err)
				assert.Contains(t, strings.Split(string(ignore), "\n"), "bake.schema.json", "the schema is no input of the image")
			}
		})
	}
}

// TestInitKeepsAnEditedSchema checks that init leaves a schema file that
// is there alone, as it does every other file, and replaces it with --force.
func TestInitKeepsAnEditedSchema(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bake.schema.json")
	require.NoError(t, os.WriteFile(path, []byte("{}\n"), 0o644))
	_, err := runIn(t, dir, "init", "--example", "--name", "shop", dir)
	require.NoError(t, err)
	kept, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "{}\n", string(kept))
	_, err = runIn(t, dir, "init", "--example", "--name", "shop", "--force", dir)
	require.NoError(t, err)
	replaced, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, bake.Schema, replaced)
}

func TestConfigSchemaPrintsTheSchema(t *testing.T) {
	out, err := runIn(t, t.TempDir(), "config", "schema")
	require.NoError(t, err)
	assert.Equal(t, string(bake.Schema), out)
	var doc struct {
		Schema     string         `json:"$schema"`
		Properties map[string]any `json:"properties"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	assert.Equal(t, "http://json-schema.org/draft-07/schema#", doc.Schema)
	assert.Contains(t, doc.Properties, "images")
	assert.Contains(t, doc.Properties, "environments")

	_, err = runIn(t, t.TempDir(), "config", "schema", "extra")
	var usage *usageError
	require.ErrorAs(t, err, &usage)
}
