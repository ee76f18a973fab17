// Package bake embeds the example project that `bake init` writes and
// `make demo` runs: bake.yaml, the templates and the example images.
package bake

import "embed"

// Defaults holds bake.yaml, templates/ and images/.
//
//go:embed bake.yaml templates images
var Defaults embed.FS
