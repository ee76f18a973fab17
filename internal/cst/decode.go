package cst

import (
	"regexp"
	"strings"
	"text/template"

	"gopkg.in/yaml.v3"

	"github.com/bakehq/bake/internal/yamlerr"
)

// decoder walks the YAML nodes of one file and collects every problem.
type decoder struct {
	*yamlerr.Decoder
}

// mapping reads a mapping whose keys must be among known; anything else is
// reported with the closest known key as a suggestion. Merge keys (<<) are
// expanded, explicit keys winning over merged ones. Unlike bake.yaml's
// sections, null is not an empty mapping: every test names what it checks.
func (d *decoder) mapping(path string, n *yaml.Node, known ...string) (*yamlerr.Section, bool) {
	if isNull(n) {
		d.Errorf(n, path, "expected a mapping, got %s", describe(n))
		return nil, false
	}
	return d.Section(path, nil, n, known...)
}

// require reports the keys of f that are absent or null, unless a
// misspelling of one was reported already.
func requireKeys(f *yamlerr.Section, keys ...string) {
	for _, k := range keys {
		f.Require(k)
	}
}

// list returns the items of a sequence; null is an empty list.
func (d *decoder) list(path string, n *yaml.Node) []*yaml.Node {
	if isNull(n) {
		return nil
	}
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		d.Errorf(n, path, "expected a list, got %s", describe(n))
		return nil
	}
	items := make([]*yaml.Node, len(n.Content))
	for i, it := range n.Content {
		items[i] = resolve(it)
	}
	return items
}

// str reads a scalar as text, checking that any template in it parses;
// null is "". Numbers and booleans are read as written, as YAML would
// decode them into a string.
func (d *decoder) str(path string, n *yaml.Node) string {
	if isNull(n) {
		return ""
	}
	n = resolve(n)
	if n.Kind != yaml.ScalarNode {
		d.Errorf(n, path, "expected a string, got %s", describe(n))
		return ""
	}
	if strings.Contains(n.Value, "{{") {
		if _, err := template.New(path).Parse(n.Value); err != nil {
			d.Errorf(n, path, "invalid template: %v", err)
		}
	}
	return n.Value
}

// pattern reads a regular expression. One with a template is compiled
// only once rendered, when the tests run.
func (d *decoder) pattern(path string, n *yaml.Node) string {
	s := d.str(path, n)
	if !strings.Contains(s, "{{") {
		if _, err := regexp.Compile(s); err != nil {
			d.Errorf(n, path, "invalid regular expression: %v", err)
		}
	}
	return s
}

// strs reads a list of strings with read; null is nil, and an empty list
// is a non-nil empty slice.
func (d *decoder) strs(path string, n *yaml.Node, read func(string, *yaml.Node) string) []string {
	if isNull(n) {
		return nil
	}
	items := d.list(path, n)
	if resolve(n).Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = read(index(path, i), it)
	}
	return out
}

// integer reads an integer.
func (d *decoder) integer(path string, n *yaml.Node) int {
	n = resolve(n)
	var v int
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&v) != nil {
		d.Errorf(n, path, "expected an integer, got %s", describe(n))
	}
	return v
}

// boolean reads true or false.
func (d *decoder) boolean(path string, n *yaml.Node) bool {
	n = resolve(n)
	var v bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&v) != nil {
		d.Errorf(n, path, "expected true or false, got %s", describe(n))
	}
	return v
}

// The key paths and node descriptions of messages, shared with other loaders.
var (
	resolve  = yamlerr.Resolve
	isNull   = yamlerr.IsNull
	describe = yamlerr.Describe
	join     = yamlerr.Join
	index    = yamlerr.Index
)
