package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bakehq/bake/internal/dockerfile"
)

// BuildArgs are the build arguments bake gives a plain Dockerfile, each
// only where the Dockerfile declares it (ARG): its version, its image's
// name, the git commit and the base release by digest.
var BuildArgs = []string{"BAKE_VERSION", "BAKE_IMAGE", "BAKE_GIT_COMMIT", "BAKE_BASE"}

// recipe decodes what says how an image is built: a template directory
// (template:) or a Dockerfile built as it is (dockerfile:), one of the two.
// It returns the Dockerfile, parsed, when that is what the image has.
func (d *decoder) recipe(s *section, path string, at *yaml.Node, img *Image) *dockerfile.File {
	tmpl, file := s.Get("template"), s.Get("dockerfile")
	switch {
	case tmpl != nil && file != nil:
		d.Errorf(s.Key("dockerfile"), join(path, "dockerfile"), "set template or dockerfile, not both")
		return nil
	case tmpl == nil && file == nil:
		if !s.Misspelt("template") && !s.Misspelt("dockerfile") {
			d.Errorf(at, path, "set template (a template directory) or dockerfile (a Dockerfile built as it is)")
		}
		return nil
	case tmpl != nil:
		if v, ok := d.str(join(path, "template"), tmpl); ok {
			if img.Template, ok = d.inside(tmpl, join(path, "template"), v); ok {
				d.checkDir(tmpl, join(path, "template"), "template", img.Template)
			}
		}
		return nil
	}
	v, ok := d.str(join(path, "dockerfile"), file)
	if !ok {
		return nil
	}
	if img.Dockerfile, ok = d.inside(file, join(path, "dockerfile"), v); !ok {
		return nil
	}
	st, err := os.Stat(img.Dockerfile)
	switch {
	case os.IsNotExist(err):
		d.Errorf(file, join(path, "dockerfile"), "Dockerfile %s does not exist", img.Dockerfile)
		return nil
	case err != nil:
		d.Errorf(file, join(path, "dockerfile"), "Dockerfile %s: %v", img.Dockerfile, err)
		return nil
	case st.IsDir():
		d.Errorf(file, join(path, "dockerfile"), "%s is a directory: name the Dockerfile in it", img.Dockerfile)
		return nil
	}
	f, err := dockerfile.Read(img.Dockerfile)
	if err != nil {
		d.Errorf(file, join(path, "dockerfile"), "%v", err)
		return nil
	}
	return &f
}

// defaultContext is where an image's build context is when bake.yaml does
// not say: the directory of its Dockerfile, as `docker build` is usually
// run, or images/NAME for a template.
func (d *decoder) defaultContext(img *Image) string {
	if img.Dockerfile != "" {
		return filepath.Dir(img.Dockerfile)
	}
	return d.abs(filepath.Join("images", img.Name))
}

// checkDockerfileArgs reports what a plain Dockerfile must declare and does
// not: ARG BAKE_BASE for an image with a base (or it would not build FROM
// it), and an ARG for each of the image's vars, which it gets as build
// arguments; a var may not take the name of one bake sets itself.
func (d *decoder) checkDockerfileArgs(s *section, path string, f *dockerfile.File, img *Image) {
	if n := s.Get("base"); n != nil && img.Base != "" && !f.Declares("BAKE_BASE") {
		d.Errorf(n, join(path, "base"), "%s declares no ARG BAKE_BASE, so it cannot build FROM %s: add `ARG BAKE_BASE` before its FROM and use `FROM ${BAKE_BASE}`",
			f.Path, img.Base)
	}
	if f.BareBaseLine > 0 && img.Base == "" {
		if at := s.Get("dockerfile"); at != nil {
			d.Errorf(at, join(path, "dockerfile"), "%s:%d builds FROM ${BAKE_BASE}, which has no value without a base: set images.%s.base to the image to build on, or give ARG BAKE_BASE a default",
				f.Path, f.BareBaseLine, img.Name)
		}
	}
	n := s.Get("vars")
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, name := n.Content[i], n.Content[i].Value
		switch {
		case slices.Contains(BuildArgs, name) || strings.HasPrefix(name, "BAKE_"):
			d.Errorf(key, join(join(path, "vars"), name), "%s is a build argument bake sets itself", name)
		case !f.Declares(name):
			d.Errorf(key, join(join(path, "vars"), name), "%s declares no ARG %s: a plain Dockerfile gets its vars as build arguments", f.Path, name)
		}
	}
}

// checkDockerfileSecrets reports a secret a plain Dockerfile's RUN step
// mounts and the image does not declare: bake offers a build only the
// secrets in images.NAME.secrets, so the step would run without it.
func (d *decoder) checkDockerfileSecrets(s *section, path string, f *dockerfile.File, img *Image) {
	at := s.Get("secrets")
	if at == nil {
		at = s.Get("dockerfile")
	}
	for _, m := range f.Secrets {
		switch {
		case slices.Contains(img.Secrets, m.ID):
		case !secretRule.MatchString(m.ID):
			d.Errorf(at, join(path, "secrets"), "%s:%d mounts secret %q, which bake cannot offer: a secret's name is lowercase letters, digits and underscores (it names BAKE_SECRET_<NAME>): rename its id",
				f.Path, m.Line, m.ID)
		default:
			d.Errorf(at, join(path, "secrets"), "%s:%d mounts secret %q, which the image does not declare: add it to secrets (its value comes from BAKE_SECRET_%s)",
				f.Path, m.Line, m.ID, strings.ToUpper(m.ID))
		}
	}
}
