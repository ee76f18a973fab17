package yamlerr

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Entry is one key and its value in a mapping.
type Entry struct {
	Key, Value *yaml.Node
}

// Name is the entry's key as written.
func (e Entry) Name() string { return e.Key.Value }

// Entries returns the entries of a mapping node in file order, with merge
// keys (<<) expanded and explicit keys taking precedence over merged ones.
// It reports a node that is not a mapping, keys that are not scalars, and
// duplicate keys.
func (d *Decoder) Entries(path string, n *yaml.Node) ([]Entry, bool) {
	n = Resolve(n)
	if n.Kind != yaml.MappingNode {
		d.Errorf(n, path, "expected a mapping, got %s", Describe(n))
		return nil, false
	}
	explicit := map[string]*yaml.Node{}
	var raw []Entry
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			raw = append(raw, d.merged(path, v)...)
			continue
		}
		if k = Resolve(k); k.Kind != yaml.ScalarNode {
			d.Errorf(k, path, "expected a key, got %s", Describe(k))
			continue
		}
		if first, dup := explicit[k.Value]; dup {
			d.Errorf(k, Join(path, k.Value), "duplicate key; first defined at line %d", first.Line)
			continue
		}
		explicit[k.Value] = k
		raw = append(raw, Entry{Key: k, Value: v})
	}
	seen := map[string]bool{}
	out := make([]Entry, 0, len(raw))
	for _, e := range raw {
		if seen[e.Name()] || (explicit[e.Name()] != nil && explicit[e.Name()] != e.Key) {
			continue
		}
		seen[e.Name()] = true
		out = append(out, e)
	}
	return out, true
}

// merged returns the entries a merge key brings in: those of one mapping or of a list of them.
func (d *Decoder) merged(path string, v *yaml.Node) []Entry {
	v = Resolve(v)
	sources := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		sources = v.Content
	}
	var out []Entry
	for _, s := range sources {
		if es, ok := d.Entries(Join(path, "<<"), s); ok {
			out = append(out, es...)
		}
	}
	return out
}

// Section is a mapping whose keys were checked against those it allows.
type Section struct {
	d     *Decoder
	path  string
	at    *yaml.Node // where a missing required key is reported
	byKey map[string]Entry
	// misspelt are allowed keys that an unknown key was suggested for: the
	// unknown key's message already says where they are missing.
	misspelt map[string]bool
}

// Section checks that n is a mapping holding only the allowed keys, and
// reports every other key with the closest allowed one as a suggestion. A
// null n is an empty section. at locates messages about missing keys (the
// key naming the section); nil is the mapping itself.
func (d *Decoder) Section(path string, at, n *yaml.Node, allowed ...string) (*Section, bool) {
	s := &Section{d: d, path: path, at: at, byKey: map[string]Entry{}, misspelt: map[string]bool{}}
	if IsNull(n) {
		return s, true
	}
	if at == nil {
		s.at = Resolve(n)
	}
	entries, ok := d.Entries(path, n)
	if !ok {
		return nil, false
	}
	for _, e := range entries {
		if !slices.Contains(allowed, e.Name()) {
			d.Errorf(e.Key, Join(path, e.Name()), "%s", UnknownKey(e.Name(), allowed))
			if sug := Suggest(e.Name(), allowed); sug != "" {
				s.misspelt[sug] = true
			}
			continue
		}
		s.byKey[e.Name()] = e
	}
	return s, true
}

// UnknownKey explains that a key is not allowed, suggesting the closest allowed key.
func UnknownKey(key string, allowed []string) string {
	if s := Suggest(key, allowed); s != "" {
		return fmt.Sprintf("unknown key; did you mean %q?", s)
	}
	return "unknown key; expected one of: " + strings.Join(allowed, ", ")
}

// Get returns the value of key, resolved, or nil when it is absent or null.
func (s *Section) Get(key string) *yaml.Node {
	e, ok := s.byKey[key]
	if !ok || IsNull(e.Value) {
		return nil
	}
	return Resolve(e.Value)
}

// Key returns the node of key itself, or nil when it is absent.
func (s *Section) Key(key string) *yaml.Node {
	return s.byKey[key].Key
}

// Misspelt reports whether key is absent and an unknown key was reported
// as a misspelling of it: its absence is reported already.
func (s *Section) Misspelt(key string) bool {
	return s.misspelt[key] && s.byKey[key].Key == nil
}

// Require returns the value of key, reporting it as required when it is
// absent or null, unless a misspelling of it was reported already.
func (s *Section) Require(key string) *yaml.Node {
	v := s.Get(key)
	if v == nil && !s.Misspelt(key) {
		at := s.at
		if k := s.Key(key); k != nil {
			at = k
		}
		s.d.Errorf(at, Join(s.path, key), "required")
	}
	return v
}
