package main

import (
	"path/filepath"
)

// addConfig renders the bake.yaml reference and its JSON Schema from the
// config types and the comments on their fields.
func (r reference) addConfig(root string) error {
	c, err := readComments(filepath.Join(root, "internal", "config"))
	if err != nil {
		return err
	}
	s, err := projectSchema(c)
	if err != nil {
		return err
	}
	r["bake.schema.json"] = s
	example, err := readExample(filepath.Join(root, "internal", "config"))
	if err != nil {
		return err
	}
	r["bake-yaml.md"] = yamlReference(c, example)
	return nil
}
