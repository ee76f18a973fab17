// Package bake embeds the example project that `bake init` writes and
// `make demo` runs (bake.yaml, the templates and the example images), and
// the JSON Schema of bake.yaml.
package bake

import "embed"

// Defaults holds bake.yaml, templates/ and images/.
//
//go:embed bake.yaml templates images
var Defaults embed.FS

// Schema is the JSON Schema of bake.yaml that `make docs` generates from
// the config types; a test in internal/docgen keeps it current.
//
//go:embed docs/reference/bake.schema.json
var Schema []byte
