package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEveryCommandHasExampleAndGroup: `bake X --help` shows examples for
// every command a person can run, and `bake --help` lists every top-level
// command under its group (build, deploy, inspect, admin), as gh does.
// cobra's help command and hidden commands are left out.
func TestEveryCommandHasExampleAndGroup(t *testing.T) {
	root := NewRootCmd(&Factory{In: strings.NewReader(""), Out: &bytes.Buffer{}, Err: &bytes.Buffer{}})
	groups := map[string]bool{}
	for _, g := range root.Groups() {
		groups[g.ID] = true
	}
	assert.Equal(t, map[string]bool{groupBuild: true, groupDeploy: true, groupInspect: true, groupAdmin: true}, groups)

	var visit func(c *cobra.Command)
	checked := 0
	visit = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Hidden || sub.Name() == "help" {
				continue
			}
			checked++
			path := sub.CommandPath()
			assert.NotEmpty(t, strings.TrimSpace(sub.Example), "%s has no Example", path)
			for _, line := range strings.Split(sub.Example, "\n") {
				assert.True(t, strings.HasPrefix(line, "  ") && strings.Contains(line, "bake "),
					"%s: example line %q: want an indented bake command", path, line)
			}
			// Groups are the root's: a subcommand (config validate) is
			// listed by its parent, whose group it shares.
			if c == root {
				assert.True(t, groups[sub.GroupID], "%s is in no group of `bake --help` (GroupID %q)", path, sub.GroupID)
			}
			visit(sub)
		}
	}
	visit(root)
	require.Greater(t, checked, 20, "the walk reached the commands")

	var help bytes.Buffer
	root.SetOut(&help)
	root.SetArgs([]string{"--help"})
	require.NoError(t, root.Execute())
	_, additional, _ := strings.Cut(help.String(), "Additional Commands:\n")
	additional, _, _ = strings.Cut(additional, "\n\n")
	assert.Equal(t, []string{"help"}, firstWords(additional), "only cobra's help is left outside the groups")
	for _, title := range []string{"Build commands:", "Deploy commands:", "Inspect commands:", "Admin commands:"} {
		assert.Contains(t, help.String(), title)
	}
}

func firstWords(lines string) []string {
	var out []string
	for _, l := range strings.Split(lines, "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			out = append(out, f[0])
		}
	}
	return out
}
