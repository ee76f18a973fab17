package yamlerr

import (
	"strconv"

	"gopkg.in/yaml.v3"
)

// Resolve follows aliases to the node they name.
func Resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// IsNull reports whether n is absent or an explicit null.
func IsNull(n *yaml.Node) bool {
	n = Resolve(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// Describe names what a node holds, for "expected X, got Y" messages.
func Describe(n *yaml.Node) string {
	n = Resolve(n)
	switch {
	case IsNull(n):
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.ShortTag() == "!!str":
		return strconv.Quote(n.Value)
	default:
		return n.Value
	}
}

// Join extends a key path with a key.
func Join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Index extends a key path with a list position.
func Index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}
