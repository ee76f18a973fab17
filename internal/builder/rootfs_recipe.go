package builder

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/bakehq/bake/internal/yamlerr"
)

// rootfsKeys are the keys of rootfs.yaml.
var rootfsKeys = []string{"suite", "variant", "include", "epoch", "cmd", "env"}

// yamlLine finds the line yaml.v3 names in its syntax errors.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// parseRootfsRecipe reads a rendered rootfs.yaml strictly: a syntax error, an
// unknown key, a value of the wrong kind or a missing suite is an
// ErrTemplate error naming the file, line, column and key.
func parseRootfsRecipe(file string, rendered []byte) (Recipe, error) {
	var rec Recipe
	var doc yaml.Node
	if err := yaml.Unmarshal(rendered, &doc); err != nil {
		msg := strings.Join(strings.Fields(err.Error()), " ")
		line := 0
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = msg[len(m[0]):]
		}
		col := 0
		if strings.Contains(msg, "found a tab character") {
			if l, c, ok := yamlerr.TabIndent(rendered, line); ok {
				line, col = l, c
			}
		}
		msg = strings.TrimPrefix(msg, "yaml: ")
		if line == 0 {
			line, col, _ = yamlerr.UnknownAlias(rendered, msg)
		}
		return rec, fmt.Errorf("%w: %s", ErrTemplate, yamlerr.Format(file, line, col, "", "malformed YAML: "+msg))
	}
	var problems []string
	problem := func(n *yaml.Node, key, format string, args ...any) {
		problems = append(problems, yamlerr.Format(file, n.Line, n.Column, key, fmt.Sprintf(format, args...)))
	}
	root := &yaml.Node{Kind: yaml.MappingNode, Line: 1, Column: 1}
	if len(doc.Content) > 0 {
		root = yamlerr.Resolve(doc.Content[0])
	}
	if root.Kind != yaml.MappingNode {
		problem(root, "", "expected a mapping, got %s", yamlerr.Describe(root))
		return rec, fmt.Errorf("%w: %s", ErrTemplate, problems[0])
	}
	fields := map[string]any{"suite": &rec.Suite, "variant": &rec.Variant, "include": &rec.Include,
		"epoch": &rec.Epoch, "cmd": &rec.Cmd, "env": &rec.Env}
	kinds := map[string]string{"suite": "a string", "variant": "a string", "include": "a list of strings",
		"epoch": "a whole number of seconds", "cmd": "a list of strings", "env": "a list of strings"}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := yamlerr.Resolve(root.Content[i]), yamlerr.Resolve(root.Content[i+1])
		switch {
		case !slices.Contains(rootfsKeys, k.Value):
			problem(k, k.Value, "unknown key; expected one of %s", strings.Join(rootfsKeys, ", "))
		case seen[k.Value]:
			problem(k, k.Value, "duplicate key")
		case v.Decode(fields[k.Value]) != nil:
			problem(v, k.Value, "expected %s, got %s", kinds[k.Value], yamlerr.Describe(v))
		}
		seen[k.Value] = true
	}
	if rec.Suite == "" && len(problems) == 0 {
		problem(root, "suite", "required: the Debian suite to bake, such as bookworm")
	}
	if len(problems) > 0 {
		return rec, fmt.Errorf("%w: %s", ErrTemplate, strings.Join(problems, "\n"))
	}
	return rec, nil
}
