package config

import (
	"reflect"
	"slices"
	"strings"
)

// fileKeys returns the keys T's fields are written as in bake.yaml (their
// yaml tags), in field order, with those of inline fields. The decoder
// accepts exactly these, so the generated reference and JSON Schema, which
// read the same tags, list what bake reads. With when ("type:asg"), fields
// tagged for another value of that key are left out.
func fileKeys[T any](when string) []string {
	return keysOf(reflect.TypeFor[T](), when)
}

func keysOf(t reflect.Type, when string) []string {
	var out []string
	for f := range t.Fields() {
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !whenHolds(FieldTag(f.Tag, "when"), when) {
			continue
		}
		if opts == "inline" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			out = append(out, keysOf(ft, when)...)
			continue
		}
		out = append(out, name)
	}
	return out
}

// whenHolds reports whether a field tagged when=cond is allowed where the
// decoder is in state: cond is KEY:VALUE or KEY:A|B (any of those values),
// state is KEY:VALUE; an empty cond always holds.
func whenHolds(cond, state string) bool {
	if cond == "" || state == "" {
		return true
	}
	ck, cv, _ := strings.Cut(cond, ":")
	sk, sv, _ := strings.Cut(state, ":")
	return ck != sk || slices.Contains(strings.Split(cv, "|"), sv)
}

// FieldTag returns the value of option name in a field's bake:"..." tag:
// "" for an option with no value or none at all, and ok when it is there.
// The options are described at Project.
func FieldTag(tag reflect.StructTag, name string) string {
	v, _ := LookupFieldTag(tag, name)
	return v
}

// LookupFieldTag is FieldTag that also says whether the option is there.
func LookupFieldTag(tag reflect.StructTag, name string) (string, bool) {
	for _, opt := range strings.Split(tag.Get("bake"), ",") {
		k, v, _ := strings.Cut(opt, "=")
		if k == name {
			return v, true
		}
	}
	return "", false
}
