package main

import (
	"reflect"
	"strings"
	"time"

	"github.com/bakehq/bake/internal/config"
)

// field is one key of a bake.yaml mapping, read from the yaml, default and
// bake tags of the config field it is decoded into (see config.Project).
type field struct {
	key      string
	typ      reflect.Type
	owner    string // the Go type holding the field, for its comment
	goName   string
	def      string // the default as written in bake.yaml
	hasDef   bool
	required bool
	when     string // KEY:VALUE the key is allowed under, or ""
	with     string // KEY:VALUE of a sibling the key goes with (required there if required), or ""
	oneOf    bool
	file     bool
	percent  bool // a fraction written as a percentage: 1% for 0.01
	keyed    bool
	enum     []string
	words    []string
}

var (
	durationType = reflect.TypeFor[time.Duration]()
	podPatchType = reflect.TypeFor[config.PodPatch]()
)

// fieldsOf lists the keys of a struct type, those of inline fields in place.
func fieldsOf(t reflect.Type) []field {
	var out []field
	for f := range t.Fields() {
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		when := config.FieldTag(f.Tag, "when")
		if opts == "inline" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			for _, inner := range fieldsOf(ft) {
				if inner.when == "" {
					inner.when = when
				}
				out = append(out, inner)
			}
			continue
		}
		if name == "" || name == "-" {
			continue
		}
		def, hasDef := f.Tag.Lookup("default")
		fd := field{key: name, typ: f.Type, owner: t.Name(), goName: f.Name, def: def, hasDef: hasDef, when: when,
			with: config.FieldTag(f.Tag, "with")}
		_, fd.required = config.LookupFieldTag(f.Tag, "required")
		_, fd.oneOf = config.LookupFieldTag(f.Tag, "one-of")
		_, fd.file = config.LookupFieldTag(f.Tag, "file")
		_, fd.percent = config.LookupFieldTag(f.Tag, "percent")
		_, fd.keyed = config.LookupFieldTag(f.Tag, "keyed")
		if v := config.FieldTag(f.Tag, "enum"); v != "" {
			fd.enum = strings.Split(v, "|")
		}
		if v := config.FieldTag(f.Tag, "words"); v != "" {
			fd.words = strings.Split(v, "|")
		}
		out = append(out, fd)
	}
	return out
}

// scalarForm returns how a mapping of type t may be written as one value:
// the field that takes it, and the words it may be (none: any value of the
// field's type). ok is false when t has no such form.
func scalarForm(t reflect.Type) (f reflect.StructField, words []string, ok bool) {
	for f := range t.Fields() {
		if v, has := config.LookupFieldTag(f.Tag, "scalar"); has {
			if v != "" {
				words = strings.Split(v, "|")
			}
			return f, words, true
		}
	}
	return reflect.StructField{}, nil, false
}

// elem is the type a pointer points at, or t.
func elem(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Pointer {
		return t.Elem()
	}
	return t
}
