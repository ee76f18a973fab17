package cli

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/targets"
)

// TestNoTargetTypeInCLI keeps the command line free of target types: it
// imports the type packages only in targets.go (for their registration)
// and names no type's constant.
func TestNoTargetTypeInCLI(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, "github.com/bakehq/bake/internal/targets/") && name != "targets.go" {
				t.Errorf("%s imports the target type %s: ask the targets.Router instead", name, path)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "config" && strings.HasPrefix(sel.Sel.Name, "Target") && sel.Sel.Name != "Target" {
				t.Errorf("%s: %s names a target type (config.%s)", name, fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
	assert.Contains(t, files, "targets.go")
}

// TestEveryTargetTypeRegistered: each target type bake.yaml accepts has its
// package registered in this build, so that no valid configuration meets
// "no such target type" at promote time.
func TestEveryTargetTypeRegistered(t *testing.T) {
	field, ok := reflect.TypeFor[config.Target]().FieldByName("Type")
	require.True(t, ok)
	tag := field.Tag.Get("bake")
	_, enum, ok := strings.Cut(tag, "enum=")
	require.True(t, ok, "config.Target.Type lists its types: %q", tag)
	want := strings.Split(enum, "|")
	sort.Strings(want)
	assert.Equal(t, want, targets.Registered())
}
