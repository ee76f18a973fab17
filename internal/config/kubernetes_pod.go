package config

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
	corev1 "k8s.io/api/core/v1"
	kjson "sigs.k8s.io/json"
)

// bakePrefix starts the labels and annotations bake puts on what it creates.
const bakePrefix = "bake.dev/"

// appContainer is the container of a pod template that runs the release.
const appContainer = "app"

// podPatch decodes pod:, a strategic-merge patch of the pod template bake
// makes. It must read as a Kubernetes PodTemplateSpec, strictly, so that a
// misspelt field is an error here rather than a setting the API server
// drops; and it may not set what bake owns. It returns the patch as
// written, in JSON: bake's own fields are set after it is applied.
func (d *decoder) podPatch(path string, n *yaml.Node) PodPatch {
	if n.Kind != yaml.MappingNode {
		d.Errorf(n, path, "expected the pod template's metadata and spec as a mapping, got %s", describe(n))
		return nil
	}
	before := len(d.Errs)
	d.podFields(path, n, reflect.TypeFor[corev1.PodTemplateSpec]())
	if len(d.Errs) > before {
		return nil
	}
	d.podOwned(path, n)
	var v any
	if err := n.Decode(&v); err != nil {
		d.Errorf(n, path, "%v", err)
		return nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		d.Errorf(n, path, "cannot be written as JSON: %v", err)
		return nil
	}
	// The walk above finds what this would, at its line; this is the word
	// of the library the API server's own decoding is built on.
	strict, err := kjson.UnmarshalStrict(data, &corev1.PodTemplateSpec{})
	if err == nil && len(strict) > 0 {
		err = strict[0]
	}
	if err != nil {
		d.Errorf(n, path, "not a pod template: %s", strings.TrimPrefix(err.Error(), "json: "))
		return nil
	}
	return data
}

// unmarshaler is what types that read their own JSON forms implement
// (quantities, int-or-strings, times).
var unmarshaler = reflect.TypeFor[json.Unmarshaler]()

// podFields checks that n can be decoded into a value of type t: every key
// a field of t's JSON form, every scalar of the kind it will be read as.
func (d *decoder) podFields(path string, n *yaml.Node, t reflect.Type) {
	n = resolve(n)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if isNull(n) || reflect.PointerTo(t).Implements(unmarshaler) {
		return
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		entries, ok := d.Entries(path, n)
		if !ok {
			return
		}
		var fields map[string]reflect.Type
		if t.Kind() == reflect.Struct {
			fields = jsonFields(t)
		}
		for _, e := range entries {
			ft := t
			if t.Kind() == reflect.Map {
				ft = t.Elem()
			} else if ft = fields[e.Name()]; ft == nil {
				d.Errorf(e.Key, join(path, e.Name()), "%s", unknownField(e.Name(), t, fields))
				continue
			}
			d.podFields(join(path, e.Name()), e.Value, ft)
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return // bytes, written as base64 text
		}
		if n.Kind != yaml.SequenceNode {
			d.Errorf(n, path, "expected a list, got %s", describe(n))
			return
		}
		for i, item := range n.Content {
			d.podFields(index(path, i), item, t.Elem())
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
			d.Errorf(n, path, "expected a string, got %s%s", describe(n), quoteHint(n))
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
			d.Errorf(n, path, "expected true or false, got %s", describe(n))
		}
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
			d.Errorf(n, path, "expected a whole number, got %s", describe(n))
		}
	case reflect.Float32, reflect.Float64:
		if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") {
			d.Errorf(n, path, "expected a number, got %s", describe(n))
		}
	}
}

// quoteHint suggests quotes for a number or boolean meant as text.
func quoteHint(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		return fmt.Sprintf(": write it as %q", n.Value)
	}
	return ""
}

// jsonFields are the keys of a struct's JSON form and their types, those
// of inlined structs included.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for f := range t.Fields() {
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-" || !f.IsExported():
		case f.Anonymous && name == "" || opts == "inline":
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			for k, v := range jsonFields(ft) {
				out[k] = v
			}
		case name == "":
			out[f.Name] = f.Type
		default:
			out[name] = f.Type
		}
	}
	return out
}

// unknownField explains a key that Kubernetes' type t does not have.
func unknownField(key string, t reflect.Type, fields map[string]reflect.Type) string {
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	slices.Sort(names)
	if s := suggest(key, names); s != "" {
		return fmt.Sprintf("unknown field; did you mean %q?", s)
	}
	if t == reflect.TypeFor[corev1.PodTemplateSpec]() {
		if _, inSpec := jsonFields(reflect.TypeFor[corev1.PodSpec]())[key]; inSpec {
			return fmt.Sprintf("unknown field; pod: holds the pod template's metadata and spec: put %s under spec:", key)
		}
	}
	return fmt.Sprintf("unknown field of a Kubernetes %s; expected one of: %s", t.Name(), strings.Join(names, ", "))
}

// podOwned reports what the patch may not set: bake's labels and
// annotations, the release's image, and containers it could not merge.
func (d *decoder) podOwned(path string, n *yaml.Node) {
	meta := child(n, "metadata")
	for _, kind := range []string{"labels", "annotations"} {
		m := child(meta, kind)
		if m == nil {
			continue
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			if k := m.Content[i]; strings.HasPrefix(k.Value, bakePrefix) {
				d.Errorf(k, join(join(join(path, "metadata"), kind), k.Value), "%s%s are bake's own: remove it", bakePrefix, kind)
			}
		}
	}
	containers := child(child(n, "spec"), "containers")
	if containers == nil || containers.Kind != yaml.SequenceNode {
		return
	}
	cpath := join(join(path, "spec"), "containers")
	for i, c := range containers.Content {
		c = resolve(c)
		name := child(c, "name")
		switch {
		case name == nil || name.Value == "":
			d.Errorf(c, index(cpath, i), "set name: the patch merges containers by name (%s is the release's)", appContainer)
		case name.Value == appContainer:
			if img, _ := lookup(c, "image"); img != nil {
				d.Errorf(img, join(index(cpath, i), "image"), "the %s container's image is the release's, by digest: remove image", appContainer)
			}
		}
	}
}

// child returns the value of key in mapping n, resolved, or nil.
func child(n *yaml.Node, key string) *yaml.Node {
	_, v := lookup(n, key)
	return resolve(v)
}

// lookup returns the key node and value of key in mapping n, or nils.
func lookup(n *yaml.Node, key string) (k, v *yaml.Node) {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}
