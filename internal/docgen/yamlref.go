package main

import (
	"fmt"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/bakehq/bake/internal/config"
)

// section is one mapping of bake.yaml in the reference: where it sits and
// the keys it holds.
type section struct {
	path   string // as messages name it: images.NAME.checks[].http
	typ    reflect.Type
	fields []field
}

// yamlReference renders docs/reference/bake-yaml.md: a table per mapping,
// in the order a file reads, then the complete example of config's package
// documentation.
func yamlReference(c comments, example string) []byte {
	var sections []*section
	seen := map[reflect.Type]*section{}
	var visit func(t reflect.Type, path string) *section
	visit = func(t reflect.Type, path string) *section {
		if s := seen[t]; s != nil {
			return s
		}
		s := &section{path: path, typ: t, fields: fieldsOf(t)}
		seen[t] = s
		sections = append(sections, s)
		for _, f := range s.fields {
			if st, sub := structOf(f); st != nil {
				visit(st, join(path, f.key+sub))
			}
		}
		return s
	}
	visit(reflect.TypeFor[config.Project](), "")

	var b strings.Builder
	b.WriteString("# bake.yaml reference\n\n" +
		"Generated from the config types in `internal/config` (their yaml tags and the comments on\n" +
		"their fields) by `make docs`; do not edit by hand. The same types give the\n" +
		"[JSON Schema](bake.schema.json) editors check bake.yaml with, and bake accepts\n" +
		"exactly the keys listed here: any other is an error at its line.\n\n" +
		"Paths are relative to the directory of bake.yaml and stay inside the project.\n" +
		"Durations are written as `30s`, `1m30s` or `2h`. Every image definition lives in\n" +
		"bake.yaml under `images:`; there is no separate image file.\n\n")
	for _, s := range sections {
		fmt.Fprintf(&b, "- [%s](#%s)\n", title(s), slug(title(s)))
	}
	b.WriteString("- [A complete file](#a-complete-file)\n")
	for _, s := range sections {
		fmt.Fprintf(&b, "\n## %s\n\n", title(s))
		if s.path != "" {
			if doc := c.typeDoc(s.typ.Name()); doc != "" {
				b.WriteString(doc + "\n\n")
			}
			if _, words, ok := scalarForm(s.typ); ok {
				if len(words) > 0 {
					fmt.Fprintf(&b, "Written as one word, %s, or as this mapping.\n\n", orList(words))
				} else {
					b.WriteString("Written as its address alone, or as this mapping.\n\n")
				}
			}
		}
		b.WriteString("| key | type | default | description |\n| --- | --- | --- | --- |\n")
		for _, f := range s.fields {
			def := ""
			if f.hasDef {
				def = "`" + f.def + "`"
			}
			desc := c.field(f.owner, f.goName)
			if n := note(s, f); n != "" {
				desc = strings.TrimSpace(n + " " + desc)
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", f.key, typeWords(f, seen), def, cell(desc))
		}
	}
	b.WriteString("\n## A complete file\n\nEvery key, with what it means, from the documentation of `internal/config`:\n\n```yaml\n")
	b.WriteString(example)
	b.WriteString("```\n")
	return []byte(b.String())
}

// title names a section as bake's messages name its keys.
func title(s *section) string {
	if s.path == "" {
		return "Top level"
	}
	return s.path
}

// structOf returns the struct type a field's value (or its elements) is
// decoded into, and how its path goes on: "[]" for a list, ".NAME" for a
// mapping by name. It returns nil for a value written as a word or a path.
func structOf(f field) (reflect.Type, string) {
	t := elem(f.typ)
	sub := ""
	switch t.Kind() {
	case reflect.Slice:
		t, sub = elem(t.Elem()), "[]"
		if f.keyed {
			sub = ".NAME"
		}
	case reflect.Map:
		t, sub = elem(t.Elem()), ".NAME"
	}
	if t.Kind() != reflect.Struct || t == durationType || f.words != nil || f.file {
		return nil, ""
	}
	return t, sub
}

// note says when a key must or may be there.
func note(s *section, f field) string {
	var parts []string
	key, _, _ := strings.Cut(f.when, ":")
	value := strings.Join(whenValues(f.when), "` or `")
	wkey, wvalue, _ := strings.Cut(f.with, ":")
	switch {
	case f.required && f.with != "":
		parts = append(parts, fmt.Sprintf("**Required** when `%s` is `%s`, and only then.", wkey, wvalue))
	case f.with != "":
		parts = append(parts, fmt.Sprintf("Only when `%s` is `%s`.", wkey, wvalue))
	case f.required && f.when != "":
		parts = append(parts, fmt.Sprintf("**Required** when `%s` is `%s`.", key, value))
	case f.required:
		parts = append(parts, "**Required.**")
	case f.when != "":
		parts = append(parts, fmt.Sprintf("Only when `%s` is `%s`.", key, value))
	}
	if f.oneOf {
		var kinds []string
		for _, o := range s.fields {
			if o.oneOf {
				kinds = append(kinds, "`"+o.key+"`")
			}
		}
		parts = append(parts, fmt.Sprintf("Exactly one of %s.", orList(kinds)))
	}
	return strings.Join(parts, " ")
}

// typeWords says in words what a key's value is.
func typeWords(f field, seen map[reflect.Type]*section) string {
	t := elem(f.typ)
	link := func(st reflect.Type) string {
		s := seen[st]
		return fmt.Sprintf("[mapping](#%s)", slug(title(s)))
	}
	switch {
	case t == durationType:
		return "duration"
	case t == podPatchType:
		return "mapping (a Kubernetes pod template)"
	case f.percent:
		return "percentage"
	case f.words != nil:
		return "list of " + orList(quoteAll(f.words))
	case f.enum != nil:
		return orList(quoteAll(f.enum))
	case f.file && t.Kind() == reflect.Slice:
		return "list of paths"
	case f.file:
		return "path"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int64:
		return "integer"
	case reflect.Float64:
		return "number"
	case reflect.Map:
		if st, _ := structOf(f); st != nil {
			return "names to " + link(st)
		}
		return "names to strings"
	case reflect.Slice:
		st, _ := structOf(f)
		switch {
		case st != nil && f.keyed:
			return "names to " + link(st)
		case st != nil:
			return "list of " + strings.Replace(link(st), "mapping", "mappings", 1)
		}
		return "list of strings"
	case reflect.Struct:
		if _, words, ok := scalarForm(t); ok {
			if len(words) > 0 {
				return orList(quoteAll(words)) + " or " + link(t)
			}
			return "string or " + link(t)
		}
		return link(t)
	}
	return t.String()
}

// readExample returns the complete bake.yaml shown in config's package
// documentation: its indented block.
func readExample(dir string) (string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filepath.Join(dir, "doc.go"), nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	started := false
	for line := range strings.Lines(f.Doc.Text()) {
		code, ok := strings.CutPrefix(line, "\t")
		if !ok {
			if started {
				break
			}
			continue
		}
		started = true
		b.WriteString(code)
	}
	if b.Len() == 0 {
		return "", fmt.Errorf("%s: no indented example in the package documentation", filepath.Join(dir, "doc.go"))
	}
	return b.String(), nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func quoteAll(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = "`" + w + "`"
	}
	return out
}

func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// cell makes text safe inside a Markdown table cell.
func cell(text string) string {
	return strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;").Replace(text)
}

// slug is the anchor a Markdown renderer gives a heading.
func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune('-')
		}
	}
	return b.String()
}
