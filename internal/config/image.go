package config

import (
	"os"
	"path/filepath"
	"regexp"

	"gopkg.in/yaml.v3"
)

// imageSet is the decoded images: section, with what environments and base
// checks need to point back at the file.
type imageSet struct {
	list   []*Image
	names  []string
	byName map[string]*Image
	key    map[string]*yaml.Node // the key that names each image
	base   map[string]*yaml.Node // the base: value of each image that has one
	broken map[string]bool       // images whose definition had problems of its own
}

// images decodes the images: mapping, keeping file order.
func (d *decoder) images(s *section, b Builder) *imageSet {
	set := &imageSet{
		byName: map[string]*Image{},
		key:    map[string]*yaml.Node{},
		base:   map[string]*yaml.Node{},
		broken: map[string]bool{},
	}
	n := s.Require("images")
	if n == nil {
		return set
	}
	entries, ok := d.Entries("images", n)
	if !ok {
		return set
	}
	if len(entries) == 0 {
		d.Errorf(n, "images", "must define at least one image")
	}
	for _, e := range entries {
		before := len(d.Errs)
		img := d.image(e, set, b)
		set.list = append(set.list, img)
		set.names = append(set.names, img.Name)
		set.byName[img.Name] = img
		set.key[img.Name] = e.Key
		set.broken[img.Name] = len(d.Errs) > before
	}
	d.checkBases(set)
	return set
}

// image decodes one image definition.
func (d *decoder) image(e entry, set *imageSet, b Builder) *Image {
	name := e.Name()
	path := join("images", name)
	img := &Image{Name: name, Vars: map[string]string{}, Sandbox: Sandbox{ReadOnly: true, InstanceType: DefaultInstanceType, At: map[string]Error{}}}
	if msg := checkName(name, maxImageName); msg != "" {
		// The rest of a definition under a name nothing accepts would only
		// repeat the name in more messages.
		d.Errorf(e.Key, "images", "image name %s", msg)
		return img
	}
	s, ok := d.Section(path, e.Key, e.Value, fileKeys[Image]("")...)
	if !ok {
		return img
	}
	plain := d.recipe(s, path, e.Key, img)
	if n := s.Get("context"); n != nil {
		if v, ok := d.str(join(path, "context"), n); ok {
			if img.Context, ok = d.inside(n, join(path, "context"), v); ok {
				d.checkDir(n, join(path, "context"), "build context", img.Context)
			}
		}
	} else if img.Recipe() != "" {
		// (Without a template or a Dockerfile there is no default to check.)
		img.Context = d.defaultContext(img)
		rel, _ := filepath.Rel(d.dir, img.Context)
		if _, ok := d.insideReal(e.Key, join(path, "context"), rel, img.Context); ok {
			d.checkDir(e.Key, join(path, "context"), "default build context", img.Context)
		}
	}
	if n := s.Get("base"); n != nil {
		if v, ok := d.str(join(path, "base"), n); ok {
			img.Base = v
			set.base[name] = n
		}
	}
	portNode := s.Get("port")
	if portNode != nil {
		img.Port, _ = d.number(join(path, "port"), portNode, 1, 65535)
	}
	if n := s.Get("vars"); n != nil {
		d.vars(join(path, "vars"), n, img.Vars)
	}
	if n := s.Get("secrets"); n != nil {
		img.Secrets = d.secrets(join(path, "secrets"), n, img.Vars)
	}
	if n := s.Get("sandbox"); n != nil {
		d.sandbox(join(path, "sandbox"), s.Key("sandbox"), n, img)
	}
	if n := s.Get("platforms"); n != nil {
		d.platforms(join(path, "platforms"), s.Key("platforms"), n, img, b.Legacy)
	}
	if n := s.Get("checks"); n != nil {
		img.Checks = d.checks(join(path, "checks"), n, img, portNode != nil)
	}
	if plain != nil {
		d.checkDockerfileArgs(s, path, plain, img)
		d.checkDockerfileSecrets(s, path, plain, img)
	}
	return img
}

// sandbox decodes how the image runs in its sandbox.
func (d *decoder) sandbox(path string, at, n *yaml.Node, img *Image) {
	s, ok := d.Section(path, at, n, fileKeys[Sandbox]("")...)
	if !ok {
		return
	}
	if v := s.Get("read_only"); v != nil {
		img.Sandbox.ReadOnly, _ = d.boolean(join(path, "read_only"), v)
	}
	if v := s.Get("subnet"); v != nil {
		img.Sandbox.Subnet, _ = d.str(join(path, "subnet"), v)
		d.place(img.Sandbox.At, "subnet", join(path, "subnet"), v)
	}
	if v := s.Get("instance_type"); v != nil {
		img.Sandbox.InstanceType, _ = d.str(join(path, "instance_type"), v)
		d.place(img.Sandbox.At, "instance_type", join(path, "instance_type"), v)
	}
	if v := s.Get("instance_profile"); v != nil {
		img.Sandbox.InstanceProfile, _ = d.str(join(path, "instance_profile"), v)
	}
}

// vars decodes a mapping of template variables; numbers and booleans keep their text.
func (d *decoder) vars(path string, n *yaml.Node, into map[string]string) {
	entries, ok := d.Entries(path, n)
	if !ok {
		return
	}
	for _, e := range entries {
		v := resolve(e.Value)
		if v.Kind != yaml.ScalarNode || isNull(v) {
			d.Errorf(v, join(path, e.Name()), "expected a string, number or boolean, got %s", describe(v))
			continue
		}
		into[e.Name()] = v.Value
	}
}

// secretRule is what a secret's name looks like: it names the environment
// variable BAKE_SECRET_<NAME> and, for Packer templates, a Packer variable.
var secretRule = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// IsSecretName reports whether name can name a build secret.
func IsSecretName(name string) bool { return secretRule.MatchString(name) }

// secrets decodes the names of the build secrets an image needs. Their values
// never appear in bake.yaml: they come from the environment at build time.
func (d *decoder) secrets(path string, n *yaml.Node, vars map[string]string) []string {
	names, ok := d.strings(path, n)
	if !ok {
		return nil
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(names))
	for i, name := range names {
		at := resolve(n).Content[i]
		switch {
		case !secretRule.MatchString(name):
			d.Errorf(at, index(path, i), "secret name %q must be lowercase letters, digits and underscores, starting with a letter (it names the variable BAKE_SECRET_<NAME>)", name)
		case seen[name]:
			d.Errorf(at, index(path, i), "secret %q is listed twice", name)
		case hasKey(vars, name):
			d.Errorf(at, index(path, i), "%q is both a variable and a secret: a secret's value comes only from the environment", name)
		default:
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

// checkDir reports a path from bake.yaml that is not an existing directory.
func (d *decoder) checkDir(n *yaml.Node, key, what, dir string) {
	st, err := os.Stat(dir)
	switch {
	case os.IsNotExist(err):
		d.Errorf(n, key, "%s directory %s does not exist", what, dir)
	case err != nil:
		d.Errorf(n, key, "%s directory %s: %v", what, dir, err)
	case !st.IsDir():
		d.Errorf(n, key, "%s %s is not a directory", what, dir)
	}
}
