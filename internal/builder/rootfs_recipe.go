package builder

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/bakehq/bake/internal/yamlerr"
)

// rootfsKeys are the keys of rootfs.yaml.
var rootfsKeys = []string{"suite", "variant", "include", "epoch", "cmd", "env"}

// parseRootfsRecipe reads a rendered rootfs.yaml strictly: a syntax error, an
// unknown key, a value of the wrong kind or a missing suite is an
// ErrTemplate error naming the file, line, column and key.
func parseRootfsRecipe(file string, rendered []byte) (Recipe, error) {
	var rec Recipe
	d := &yamlerr.Decoder{File: file, Kind: ErrTemplate}
	root, ok := d.Document(rendered)
	if !ok {
		return rec, fmt.Errorf("%w: %w", ErrTemplate, d.Err())
	}
	if root == nil {
		root = &yaml.Node{Kind: yaml.MappingNode, Line: 1, Column: 1}
	}
	s, ok := d.Section("", root, root, rootfsKeys...)
	if !ok {
		return rec, fmt.Errorf("%w: %w", ErrTemplate, d.Err())
	}
	fields := map[string]any{"suite": &rec.Suite, "variant": &rec.Variant, "include": &rec.Include,
		"epoch": &rec.Epoch, "cmd": &rec.Cmd, "env": &rec.Env}
	kinds := map[string]string{"suite": "a string", "variant": "a string", "include": "a list of strings",
		"epoch": "a whole number of seconds", "cmd": "a list of strings", "env": "a list of strings"}
	for _, key := range rootfsKeys {
		if v := s.Get(key); v != nil && v.Decode(fields[key]) != nil {
			d.Errorf(v, key, "expected %s, got %s", kinds[key], yamlerr.Describe(v))
		}
	}
	if rec.Suite == "" && len(d.Errs) == 0 {
		d.Errorf(root, "suite", "required: the Debian suite to bake, such as bookworm")
	}
	if err := d.Err(); err != nil {
		return rec, fmt.Errorf("%w: %w", ErrTemplate, err)
	}
	return rec, nil
}
