package cli

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/bakehq/bake"
)

// schemaFile is where bake init writes the JSON Schema of bake.yaml: next
// to it, so that it is committed with the project and an editor finds it
// in every clone and offline. (In .bake/, which git ignores, a fresh clone
// would have a bake.yaml whose editor line names a missing file.)
const schemaFile = "bake.schema.json"

// schemaLine is the first line of the bake.yaml bake init writes: it tells
// editors that speak YAML (through yaml-language-server) where the schema
// is, relative to the file.
const schemaLine = "# yaml-language-server: $schema=" + schemaFile + "\n"

// withSchemaLine puts the editor line first in a bake.yaml.
func withSchemaLine(data []byte) []byte {
	return append([]byte(schemaLine), data...)
}

// writeSchema writes the schema into dir, unless a file is there already
// and force is off (`bake config schema` refreshes it). It reports whether
// it wrote the file.
func writeSchema(dir string, force bool) (bool, error) {
	path := filepath.Join(dir, schemaFile)
	if _, err := os.Stat(path); err == nil && !force {
		return false, nil
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	return true, os.WriteFile(path, bake.Schema, 0o644)
}
