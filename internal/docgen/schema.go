package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/bakehq/bake/internal/config"
)

// percentPattern is how bake.yaml writes a percentage.
const percentPattern = `^[0-9]+(\.[0-9]+)?%$`

// durationPattern is what time.ParseDuration reads, as bake.yaml writes durations.
const durationPattern = `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`

// schema is a JSON Schema (draft-07), its keywords in the order a person
// reads them.
type schema struct {
	Schema               string      `json:"$schema,omitempty"`
	Title                string      `json:"title,omitempty"`
	Description          string      `json:"description,omitempty"`
	Type                 any         `json:"type,omitempty"`
	Enum                 []string    `json:"enum,omitempty"`
	Const                any         `json:"const,omitempty"`
	Pattern              string      `json:"pattern,omitempty"`
	Default              any         `json:"default,omitempty"`
	Properties           *properties `json:"properties,omitempty"`
	Required             []string    `json:"required,omitempty"`
	AdditionalProperties any         `json:"additionalProperties,omitempty"`
	MinProperties        *int        `json:"minProperties,omitempty"`
	Items                *schema     `json:"items,omitempty"`
	MinItems             *int        `json:"minItems,omitempty"`
	UniqueItems          bool        `json:"uniqueItems,omitempty"`
	AnyOf                []*schema   `json:"anyOf,omitempty"`
	OneOf                []*schema   `json:"oneOf,omitempty"`
	AllOf                []*schema   `json:"allOf,omitempty"`
	If                   *schema     `json:"if,omitempty"`
	Then                 *schema     `json:"then,omitempty"`
	Else                 *schema     `json:"else,omitempty"`
	Not                  *schema     `json:"not,omitempty"`
}

// properties keeps the keys in the order bake.yaml's reference lists them.
type properties struct {
	keys   []string
	values map[string]*schema
}

func (p *properties) set(key string, s *schema) {
	if p.values == nil {
		p.values = map[string]*schema{}
	}
	if _, ok := p.values[key]; !ok {
		p.keys = append(p.keys, key)
	}
	p.values[key] = s
}

func (p *properties) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range p.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, err := marshal(k)
		if err != nil {
			return nil, err
		}
		vb, err := marshal(p.values[k])
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func one() *int { n := 1; return &n }

// absent is a schema no value matches: a key that must not be there.
func absent() *schema { return &schema{Not: &schema{}} }

// projectSchema is the JSON Schema of bake.yaml, from config.Project.
func projectSchema(c comments) ([]byte, error) {
	s := objectSchema(reflect.TypeFor[config.Project](), c)
	s.Schema = "http://json-schema.org/draft-07/schema#"
	s.Title = "bake.yaml"
	s.Description = "A bake project: its images, how each is checked in a sandbox, and the environments releases move through. Generated from bake's config types by `make docs`."
	out, err := marshal(s)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := json.Indent(&b, out, "", "  "); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// marshal is json.Marshal keeping & < > as they are: the schema is read by
// people and editors, never put in HTML.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// objectSchema is the schema of a mapping decoded into struct type t.
func objectSchema(t reflect.Type, c comments) *schema {
	obj := &schema{Type: "object", Properties: &properties{}, AdditionalProperties: false}
	fields := fieldsOf(t)
	var kinds []*schema
	first := map[string]field{} // the field each key was first seen on
	for _, f := range fields {
		if prev, ok := first[f.key]; ok {
			// Another target type's key of the same name.
			shareKey(obj.Properties.values[f.key], prev, f, valueSchema(f.typ, f, c), c)
			continue
		}
		first[f.key] = f
		p := valueSchema(f.typ, f, c)
		if p.Type == "object" && elem(f.typ).Kind() == reflect.Struct && !f.oneOf {
			// bake reads a section left empty (`sandbox:`) as one with no
			// keys; not a check's kind, which must say what it checks.
			p.Type = []string{"object", "null"}
		}
		p.Description = c.field(f.owner, f.goName)
		if f.hasDef {
			p.Default = typedDefault(f)
		}
		obj.Properties.set(f.key, p)
		if f.required && f.when == "" {
			obj.Required = append(obj.Required, f.key)
		}
		if f.oneOf {
			kinds = append(kinds, &schema{Required: []string{f.key}})
		}
	}
	if len(kinds) > 0 {
		obj.OneOf = kinds
	}
	obj.AllOf = append(conditions(fields), withConditions(fields)...)
	if sf, words, ok := scalarForm(t); ok {
		short := &schema{Type: "string", Enum: words}
		if len(words) == 0 {
			short.Description = c.field(t.Name(), sf.Name)
		}
		return &schema{Description: c.typeDoc(t.Name()), AnyOf: []*schema{short, obj}}
	}
	obj.Description = c.typeDoc(t.Name())
	return obj
}

// conditions forbids the keys tagged when=KEY:VALUE (or KEY:A|B) unless
// KEY has that value (one of them), and requires those that are required
// there. A value that is KEY's default also holds when KEY is left out.
func conditions(fields []field) []*schema {
	byKey := map[string]*field{}
	for i := range fields {
		byKey[fields[i].key] = &fields[i]
	}
	var values []string
	seen := map[string]bool{}
	for _, f := range fields {
		key, _, _ := strings.Cut(f.when, ":")
		for _, v := range whenValues(f.when) {
			if when := key + ":" + v; !seen[when] {
				seen[when] = true
				values = append(values, when)
			}
		}
	}
	var out []*schema
	for _, when := range values {
		key, value, _ := strings.Cut(when, ":")
		cond := &schema{Properties: &properties{}}
		cond.Properties.set(key, &schema{Const: value})
		if sel := byKey[key]; sel == nil || sel.def != value {
			cond.Required = []string{key}
		}
		then := &schema{Properties: &properties{}}
		for _, f := range fields {
			other, _, _ := strings.Cut(f.when, ":")
			switch {
			case f.when == "" || other != key:
			case slices.Contains(whenValues(f.when), value):
				if f.required && f.with == "" {
					then.Required = append(then.Required, f.key)
				}
			case allowedUnder(fields, f.key, key, value):
				// Another field of that name is allowed there.
			default:
				then.Properties.set(f.key, absent())
			}
		}
		out = append(out, &schema{If: cond, Then: then})
	}
	return out
}

// allowedUnder reports whether some field written as name is allowed when
// key has value.
func allowedUnder(fields []field, name, key, value string) bool {
	for _, f := range fields {
		if other, _, _ := strings.Cut(f.when, ":"); f.key == name && (f.when == "" || other == key && slices.Contains(whenValues(f.when), value)) {
			return true
		}
	}
	return false
}

// shareKey makes p, the schema of key prev, also that of field f, another
// field of the same name allowed under another condition (two target
// types' subnets): both descriptions, each said with its condition, and a
// default only when both have the same.
func shareKey(p *schema, prev, f field, fs *schema, c comments) {
	if !sameShape(p, fs) {
		panic(fmt.Sprintf("key %q is written as two different types (%s.%s and %s.%s)", f.key, prev.owner, prev.goName, f.owner, f.goName))
	}
	if !strings.HasPrefix(p.Description, "When ") {
		p.Description = whenSaid(prev.when) + p.Description
	}
	p.Description += " " + whenSaid(f.when) + c.field(f.owner, f.goName)
	if d := typedDefault(f); !f.hasDef || !prev.hasDef || fmt.Sprint(d) != fmt.Sprint(p.Default) {
		p.Default = nil
	}
}

// sameShape reports whether two schemas say the same but for their descriptions and defaults.
func sameShape(a, b *schema) bool {
	x, y := *a, *b
	x.Description, y.Description, x.Default, y.Default = "", "", nil, nil
	ja, errA := marshal(&x)
	jb, errB := marshal(&y)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// whenSaid introduces what a field says under condition when=KEY:A|B.
func whenSaid(when string) string {
	key, _, _ := strings.Cut(when, ":")
	return fmt.Sprintf("When %s is %s: ", key, strings.Join(whenValues(when), " or "))
}

// whenValues are the values a when=KEY:A|B condition allows.
func whenValues(when string) []string {
	if when == "" {
		return nil
	}
	_, values, _ := strings.Cut(when, ":")
	return strings.Split(values, "|")
}

// withConditions forbids the keys tagged with=KEY:VALUE unless their
// sibling KEY has that value, and requires there those that are required.
func withConditions(fields []field) []*schema {
	var out []*schema
	seen := map[string]bool{}
	for _, f := range fields {
		if f.with == "" || seen[f.with] {
			continue
		}
		seen[f.with] = true
		key, value, _ := strings.Cut(f.with, ":")
		cond := &schema{Properties: &properties{}, Required: []string{key}}
		cond.Properties.set(key, &schema{Const: value})
		then, otherwise := &schema{}, &schema{Properties: &properties{}}
		for _, g := range fields {
			if g.with != f.with {
				continue
			}
			if g.required {
				then.Required = append(then.Required, g.key)
			}
			otherwise.Properties.set(g.key, absent())
		}
		out = append(out, &schema{If: cond, Then: then, Else: otherwise})
	}
	return out
}

// valueSchema is the schema of a value of type t, written as field f says.
func valueSchema(t reflect.Type, f field, c comments) *schema {
	t = elem(t)
	switch {
	case t == durationType:
		return &schema{Type: "string", Pattern: durationPattern}
	case t == podPatchType:
		// Checked by bake against Kubernetes' own type, not here.
		return &schema{Type: "object"}
	case f.words != nil:
		return &schema{Type: "array", Items: &schema{Type: "string", Enum: f.words}, MinItems: one(), UniqueItems: true}
	case f.file && t.Kind() == reflect.Struct:
		return &schema{Type: "string"}
	case f.percent:
		return &schema{Type: "string", Pattern: percentPattern}
	}
	switch t.Kind() {
	case reflect.String:
		return &schema{Type: "string", Enum: f.enum}
	case reflect.Bool:
		return &schema{Type: "boolean"}
	case reflect.Int, reflect.Int64:
		return &schema{Type: "integer"}
	case reflect.Float64:
		return &schema{Type: "number"}
	case reflect.Slice:
		item := valueSchema(t.Elem(), field{file: f.file}, c)
		if f.keyed {
			return &schema{Type: "object", AdditionalProperties: item, MinProperties: one()}
		}
		return &schema{Type: "array", Items: item, MinItems: one()}
	case reflect.Map:
		if elem(t.Elem()).Kind() == reflect.String {
			// Numbers and booleans keep the text they are written as.
			return &schema{Type: "object", AdditionalProperties: &schema{Type: []string{"string", "number", "boolean"}}}
		}
		return &schema{Type: "object", AdditionalProperties: valueSchema(t.Elem(), field{}, c)}
	case reflect.Struct:
		return objectSchema(t, c)
	}
	panic(fmt.Sprintf("docgen: no schema for %s (%s.%s)", t, f.owner, f.goName))
}

// typedDefault is a field's default as the JSON value of its type.
func typedDefault(f field) any {
	switch elem(f.typ).Kind() {
	case reflect.Bool:
		if b, err := strconv.ParseBool(f.def); err == nil {
			return b
		}
	case reflect.Int, reflect.Int64:
		if elem(f.typ) != durationType {
			if n, err := strconv.Atoi(f.def); err == nil {
				return n
			}
		}
	}
	return f.def
}
