package config

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// str reads a scalar as a string; numbers and booleans keep the text they were written as.
func (d *decoder) str(path string, n *yaml.Node) (string, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.Errorf(n, path, "expected a string, got %s", describe(n))
		return "", false
	}
	return n.Value, true
}

// number reads a whole number between lo and hi.
func (d *decoder) number(path string, n *yaml.Node, lo, hi int) (int, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!float" {
			d.Errorf(n, path, "expected a whole number, got %s", describe(n))
			return 0, false
		}
		d.Errorf(n, path, "expected a number, got %s", describe(n))
		return 0, false
	}
	var v int64
	if err := n.Decode(&v); err != nil || v < math.MinInt32 || v > math.MaxInt32 {
		d.Errorf(n, path, "number %s is out of range %d..%d", n.Value, lo, hi)
		return 0, false
	}
	if int(v) < lo || int(v) > hi {
		d.Errorf(n, path, "must be between %d and %d, got %d", lo, hi, v)
		return 0, false
	}
	return int(v), true
}

// duration reads a Go duration such as 30s or 1m30s that must be positive.
func (d *decoder) duration(path string, n *yaml.Node) (time.Duration, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		d.Errorf(n, path, "expected a duration such as \"30s\", got %s", describe(n))
		return 0, false
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		d.Errorf(n, path, "expected a duration such as \"30s\", got %q", n.Value)
		return 0, false
	}
	if v <= 0 {
		d.Errorf(n, path, "must be greater than zero, got %s", n.Value)
		return 0, false
	}
	return v, true
}

// strings reads a non-empty list of strings.
func (d *decoder) strings(path string, n *yaml.Node) ([]string, bool) {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		d.Errorf(n, path, "expected a list of strings, got %s", describe(n))
		return nil, false
	}
	if len(n.Content) == 0 {
		d.Errorf(n, path, "must not be empty")
		return nil, false
	}
	out := make([]string, 0, len(n.Content))
	ok := true
	for i, item := range n.Content {
		s, good := d.str(index(path, i), item)
		ok = ok && good
		out = append(out, s)
	}
	return out, ok
}

// boolean reads true or false.
func (d *decoder) boolean(path string, n *yaml.Node) (bool, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		d.Errorf(n, path, "expected true or false, got %s", describe(n))
		return false, false
	}
	var v bool
	if err := n.Decode(&v); err != nil {
		d.Errorf(n, path, "expected true or false, got %q", n.Value)
		return false, false
	}
	return v, true
}

// oneOf reads a string that must be one of allowed.
func (d *decoder) oneOf(path string, n *yaml.Node, allowed ...string) (string, bool) {
	v, ok := d.str(path, n)
	if !ok {
		return "", false
	}
	if !slices.Contains(allowed, v) {
		msg := fmt.Sprintf("unknown value %q; expected one of: %s", v, strings.Join(allowed, ", "))
		if s := suggest(v, allowed); s != "" {
			msg = fmt.Sprintf("unknown value %q; did you mean %q?", v, s)
		}
		d.Errorf(n, path, "%s", msg)
		return "", false
	}
	return v, true
}
