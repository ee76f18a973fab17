package cli

import (
	"bufio"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsonReference is the page that describes every document of documents.
const jsonReference = "../../docs/reference/json.md"

// topLevelFields returns the JSON names of t's fields as encoding/json
// prints them: embedded structs' fields in place, "-" left out.
func topLevelFields(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-" || !f.IsExported() && !f.Anonymous:
			continue
		case f.Anonymous && name == "":
			names = append(names, topLevelFields(f.Type)...)
			continue
		case name == "":
			name = f.Name
		}
		names = append(names, name)
	}
	return names
}

var (
	sectionHeading = regexp.MustCompile("^## `(bake\\.[a-z-]+/v[0-9]+)`")
	fieldRow       = regexp.MustCompile("^\\| (`[^|]*`) \\|")
	fieldName      = regexp.MustCompile("`([a-z_]+)([^`]*)`")
)

// rowFields returns the top-level fields a table row describes: `a`, `b`
// names two; `a[].b`, `c` names fields inside a, so only a.
func rowFields(cell string) []string {
	names := fieldName.FindAllStringSubmatch(cell, -1)
	if len(names) == 0 {
		return nil
	}
	if names[0][2] != "" {
		return []string{names[0][1]}
	}
	var out []string
	for _, n := range names {
		out = append(out, n[1])
	}
	return out
}

// TestJSONReferenceDescribesEveryField: docs/reference/json.md has a
// section for each document bake prints, and its table lists every field the
// document's Go type has and none it has not. The page is written by hand
// (what a field means is not in the types); this test keeps it honest
// without running every command, some of which need AWS or a crash.
func TestJSONReferenceDescribesEveryField(t *testing.T) {
	file, err := os.Open(jsonReference)
	require.NoError(t, err)
	defer file.Close()
	described := map[Schema]map[string]bool{}
	var section Schema
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		line := sc.Text()
		if m := sectionHeading.FindStringSubmatch(line); m != nil {
			section = Schema(m[1])
			described[section] = map[string]bool{}
			continue
		}
		if strings.HasPrefix(line, "## ") {
			section = ""
			continue
		}
		if m := fieldRow.FindStringSubmatch(line); m != nil && section != "" {
			for _, name := range rowFields(m[1]) {
				described[section][name] = true
			}
		}
	}
	require.NoError(t, sc.Err())

	var missing []string
	for schema, v := range documents {
		rows, ok := described[schema]
		if !ok {
			missing = append(missing, string(schema)+": no section")
			continue
		}
		fields := map[string]bool{}
		for _, name := range topLevelFields(reflect.TypeOf(v)) {
			fields[name] = true
			if !rows[name] {
				missing = append(missing, string(schema)+": field "+name+" is not described")
			}
		}
		for name := range rows {
			if name != "schema" && !fields[name] {
				missing = append(missing, string(schema)+": describes "+name+", which the document does not have")
			}
		}
	}
	for schema := range described {
		if _, ok := documents[schema]; !ok {
			missing = append(missing, string(schema)+": described, but bake prints no such document")
		}
	}
	sort.Strings(missing)
	assert.Empty(t, missing, "docs/reference/json.md is out of date with the document types in internal/cli/schema.go")
}
