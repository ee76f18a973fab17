package config

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bakehq/bake/internal/yamlerr"
)

// decoder walks the YAML nodes of one bake.yaml and collects every problem it finds.
type decoder struct {
	file string // as shown in messages
	dir  string // absolute directory that relative paths resolve against
	errs ErrorList
	// project is the project's name, once decoded: asg targets derive their
	// group names from it.
	projectName string
}

// errorf records a problem at node n (which may be nil) under the key path key.
func (d *decoder) errorf(n *yaml.Node, key, format string, args ...any) {
	e := &Error{File: d.file, Key: key, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	d.errs = append(d.errs, e)
}

// entry is one key and its value in a mapping.
type entry struct {
	key, value *yaml.Node
}

// name is the entry's key as written.
func (e entry) name() string { return e.key.Value }

// mapping returns the entries of a mapping node in file order, with merge keys
// (<<) expanded and explicit keys taking precedence over merged ones. It reports
// a node that is not a mapping, keys that are not scalars, and duplicate keys.
func (d *decoder) mapping(path string, n *yaml.Node) ([]entry, bool) {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		d.errorf(n, path, "expected a mapping, got %s", describe(n))
		return nil, false
	}
	explicit := map[string]*yaml.Node{}
	var raw []entry
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			raw = append(raw, d.merged(path, v)...)
			continue
		}
		if k = resolve(k); k.Kind != yaml.ScalarNode {
			d.errorf(k, path, "expected a key, got %s", describe(k))
			continue
		}
		if first, dup := explicit[k.Value]; dup {
			d.errorf(k, join(path, k.Value), "duplicate key; first defined at line %d", first.Line)
			continue
		}
		explicit[k.Value] = k
		raw = append(raw, entry{key: k, value: v})
	}
	seen := map[string]bool{}
	out := make([]entry, 0, len(raw))
	for _, e := range raw {
		if seen[e.name()] || (explicit[e.name()] != nil && explicit[e.name()] != e.key) {
			continue
		}
		seen[e.name()] = true
		out = append(out, e)
	}
	return out, true
}

// merged returns the entries a merge key brings in: those of one mapping or of a list of them.
func (d *decoder) merged(path string, v *yaml.Node) []entry {
	v = resolve(v)
	sources := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		sources = v.Content
	}
	var out []entry
	for _, s := range sources {
		if es, ok := d.mapping(join(path, "<<"), s); ok {
			out = append(out, es...)
		}
	}
	return out
}

// section is a mapping whose keys were checked against those it allows.
type section struct {
	d     *decoder
	path  string
	at    *yaml.Node // where a missing required key is reported
	byKey map[string]entry
	// misspelt are allowed keys that an unknown key was suggested for: the
	// unknown key's message already says where they are missing.
	misspelt map[string]bool
}

// section checks that n is a mapping holding only the allowed keys. A null n is an
// empty section. at locates messages about missing keys (the key naming the section).
func (d *decoder) section(path string, at, n *yaml.Node, allowed ...string) (*section, bool) {
	s := &section{d: d, path: path, at: at, byKey: map[string]entry{}, misspelt: map[string]bool{}}
	if isNull(n) {
		return s, true
	}
	if at == nil {
		s.at = resolve(n)
	}
	entries, ok := d.mapping(path, n)
	if !ok {
		return nil, false
	}
	for _, e := range entries {
		if !slices.Contains(allowed, e.name()) {
			d.errorf(e.key, join(path, e.name()), "%s", unknownKey(e.name(), allowed))
			if sug := suggest(e.name(), allowed); sug != "" {
				s.misspelt[sug] = true
			}
			continue
		}
		s.byKey[e.name()] = e
	}
	return s, true
}

// unknownKey explains that a key is not allowed, suggesting the closest allowed key.
func unknownKey(key string, allowed []string) string {
	if s := suggest(key, allowed); s != "" {
		return fmt.Sprintf("unknown key; did you mean %q?", s)
	}
	return "unknown key; expected one of: " + strings.Join(allowed, ", ")
}

// get returns the value of key, or nil when it is absent or null.
func (s *section) get(key string) *yaml.Node {
	e, ok := s.byKey[key]
	if !ok || isNull(e.value) {
		return nil
	}
	return resolve(e.value)
}

// key returns the node of key itself, or nil when it is absent.
func (s *section) key(key string) *yaml.Node {
	return s.byKey[key].key
}

// require returns the value of key, reporting it as required when it is
// absent or null, unless a misspelling of it was reported already.
func (s *section) require(key string) *yaml.Node {
	v := s.get(key)
	if v == nil && !(s.misspelt[key] && s.byKey[key].key == nil) {
		at := s.at
		if k := s.key(key); k != nil {
			at = k
		}
		s.d.errorf(at, join(s.path, key), "required")
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
