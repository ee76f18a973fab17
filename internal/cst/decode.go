package cst

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"github.com/agext/levenshtein"
	"gopkg.in/yaml.v3"

	"github.com/bakehq/bake/internal/yamlerr"
)

// decoder walks the YAML nodes of one file and collects every problem.
type decoder struct {
	file string
	errs ErrorList
}

// errorf records a problem at node n (which may be nil) under key.
func (d *decoder) errorf(n *yaml.Node, key, format string, args ...any) {
	e := &Error{File: d.file, Key: key, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	d.errs = append(d.errs, e)
}

// fields is a mapping's values by key, with the key nodes for positions.
type fields struct {
	values map[string]*yaml.Node
	keys   map[string]*yaml.Node
	node   *yaml.Node
	// misspelt are known keys that an unknown key was suggested for: the
	// unknown key's message already says where they are missing.
	misspelt map[string]bool
}

// get returns the value of key, or nil when it is absent.
func (f fields) get(key string) *yaml.Node { return f.values[key] }

// mapping reads a mapping whose keys must be among known; anything else is
// reported with the closest known key as a suggestion. Merge keys (<<) are
// expanded, explicit keys winning over merged ones.
func (d *decoder) mapping(path string, n *yaml.Node, known ...string) (fields, bool) {
	n = resolve(n)
	f := fields{values: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}, node: n, misspelt: map[string]bool{}}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "expected a mapping, got %s", describe(n))
		return f, false
	}
	var merged []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merged = append(merged, v)
			continue
		}
		d.entry(f, path, k, v, known)
	}
	for _, m := range merged {
		m = resolve(m)
		srcs := []*yaml.Node{m}
		if m.Kind == yaml.SequenceNode {
			srcs = m.Content
		}
		for _, src := range srcs {
			if src = resolve(src); src.Kind != yaml.MappingNode {
				d.errorf(src, path, "merge (<<) expects a mapping, got %s", describe(src))
				continue
			}
			for i := 0; i+1 < len(src.Content); i += 2 {
				if _, set := f.values[src.Content[i].Value]; !set {
					d.entry(f, path, src.Content[i], src.Content[i+1], known)
				}
			}
		}
	}
	return f, true
}

func (d *decoder) entry(f fields, path string, k, v *yaml.Node, known []string) {
	k = resolve(k)
	if k.Kind != yaml.ScalarNode {
		d.errorf(k, path, "expected a key, got %s", describe(k))
		return
	}
	key := join(path, k.Value)
	if first, dup := f.keys[k.Value]; dup {
		d.errorf(k, key, "duplicate key; first defined at line %d", first.Line)
		return
	}
	if !slices.Contains(known, k.Value) {
		msg := "unknown key"
		if s := suggest(k.Value, known); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
			f.misspelt[s] = true
		}
		d.errorf(k, key, "%s", msg)
		return
	}
	f.keys[k.Value], f.values[k.Value] = k, v
}

// require reports the keys of f that are absent or null, unless a
// misspelling of one was reported already.
func (d *decoder) require(f fields, path string, keys ...string) {
	for _, k := range keys {
		if isNull(f.get(k)) && !(f.misspelt[k] && f.keys[k] == nil) {
			d.errorf(f.node, join(path, k), "required")
		}
	}
}

// list returns the items of a sequence; null is an empty list.
func (d *decoder) list(path string, n *yaml.Node) []*yaml.Node {
	if isNull(n) {
		return nil
	}
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, path, "expected a list, got %s", describe(n))
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
		d.errorf(n, path, "expected a string, got %s", describe(n))
		return ""
	}
	if strings.Contains(n.Value, "{{") {
		if _, err := template.New(path).Parse(n.Value); err != nil {
			d.errorf(n, path, "invalid template: %v", err)
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
			d.errorf(n, path, "invalid regular expression: %v", err)
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
		d.errorf(n, path, "expected an integer, got %s", describe(n))
	}
	return v
}

// boolean reads true or false.
func (d *decoder) boolean(path string, n *yaml.Node) bool {
	n = resolve(n)
	var v bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&v) != nil {
		d.errorf(n, path, "expected true or false, got %s", describe(n))
	}
	return v
}

// suggest returns the known key closest to a misspelt one: at most two
// edits away, ignoring case.
func suggest(key string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := levenshtein.Distance(strings.ToLower(key), strings.ToLower(k), nil); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// The key paths and node descriptions of messages, shared with other loaders.
var (
	resolve  = yamlerr.Resolve
	isNull   = yamlerr.IsNull
	describe = yamlerr.Describe
	join     = yamlerr.Join
	index    = yamlerr.Index
)
