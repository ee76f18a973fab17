package config

import (
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// inside resolves a path from bake.yaml that names a build input (a
// template, a Dockerfile, a build context) and reports it at its line when
// it leads out of the project's directory: written as an absolute path,
// climbing out with "..", or through a symbolic link. Whatever a build
// reads can end up in a pushed image, so a pull request's bake.yaml must
// not be able to point a build at ~/.aws or the signing key. Files bake
// reads for itself (the signing key, registry and builder certificates,
// the ledger) are not build inputs and may live anywhere.
func (d *decoder) inside(n *yaml.Node, key, v string) (string, bool) {
	if filepath.IsAbs(v) {
		d.Errorf(n, key, "%q is an absolute path, which may leave the project directory %s: name build inputs relative to bake.yaml, inside it", v, d.dir)
		return "", false
	}
	if rel := filepath.Clean(v); escapes(rel) {
		d.Errorf(n, key, "%q leaves the project directory %s: keep build inputs inside it", v, d.dir)
		return "", false
	}
	return d.insideReal(n, key, v, d.abs(v))
}

// insideReal reports abs, named v in bake.yaml, when a symbolic link on its
// way leads out of the project's directory. A path that does not exist is
// left to the caller's own message.
func (d *decoder) insideReal(n *yaml.Node, key, v, abs string) (string, bool) {
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return abs, true
	}
	root, err := filepath.EvalSymlinks(d.dir)
	if err != nil {
		root = d.dir
	}
	if rel, err := filepath.Rel(root, real); err != nil || escapes(rel) {
		d.Errorf(n, key, "%q leads to %s through a symbolic link, outside the project directory %s: keep build inputs inside it", v, real, d.dir)
		return "", false
	}
	return abs, true
}

// escapes says whether a cleaned relative path climbs out of its directory.
func escapes(rel string) bool {
	return rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
