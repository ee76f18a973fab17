package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/bakehq/bake/internal/cli"
)

// addCLI renders one page per bake command, named as cobra names them
// (bake_config_show.md), and an index of them all.
func (r reference) addCLI() error {
	f := &cli.Factory{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard}
	root := cli.NewRootCmd(f)
	var index bytes.Buffer
	index.WriteString("# bake command reference\n\n" +
		"Generated from the commands' own help by `make docs`; do not edit by hand.\n" +
		"`bake COMMAND --help` prints the same text.\n\n" +
		"| command | what it does |\n| --- | --- |\n")
	err := walk(root, func(c *cobra.Command) error {
		// The pages are the same on every machine and every day.
		c.DisableAutoGenTag = true
		name := pageName(c)
		var page bytes.Buffer
		if err := doc.GenMarkdownCustom(c, &page, func(s string) string { return s }); err != nil {
			return fmt.Errorf("%s: %w", c.CommandPath(), err)
		}
		r["cli/"+name] = page.Bytes()
		fmt.Fprintf(&index, "| [%s](%s) | %s |\n", c.CommandPath(), name, c.Short)
		return nil
	})
	r["cli/README.md"] = index.Bytes()
	return err
}

// walk calls fn on c and every command below it that `bake help` shows,
// parents first, in the order cobra lists them.
func walk(c *cobra.Command, fn func(*cobra.Command) error) error {
	if err := fn(c); err != nil {
		return err
	}
	for _, sub := range c.Commands() {
		if !sub.IsAvailableCommand() || sub.IsAdditionalHelpTopicCommand() {
			continue
		}
		if err := walk(sub, fn); err != nil {
			return err
		}
	}
	return nil
}

// pageName is the file cobra's own links point at for c.
func pageName(c *cobra.Command) string {
	return strings.ReplaceAll(c.CommandPath(), " ", "_") + ".md"
}
