package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// NewRootCmd builds the bake command tree on f.
func NewRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "bake",
		Short: "Bake immutable images, prove them in a sandbox, promote and roll them back by digest",
		Long: `bake turns templates into versioned, immutable images, validates each one in a
throwaway sandbox, and moves one recorded artifact through ordered environments
by replacing what runs there. Rolling back redeploys a recorded release.`,
		Version:       currentVersion().String(),
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if f.Output != "text" && f.Output != "json" {
				return &usageError{fmt.Sprintf("--output %q: expected text or json", f.Output)}
			}
			return nil
		},
	}
	// --version prints the same line as `bake version`.
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetIn(f.In)
	root.SetOut(f.Out)
	root.SetErr(f.Err)
	root.PersistentFlags().StringVarP(&f.ConfigPath, "config", "c", "bake.yaml", "path of bake.yaml")
	root.PersistentFlags().StringVarP(&f.Output, "output", "o", "text", "output format: text or json")
	root.PersistentFlags().BoolVarP(&f.Yes, "yes", "y", false, "go ahead without asking: gc, sweep, revoke, rollback without a version, and promote or rollback of a protected environment ask first on a terminal and refuse elsewhere without it")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &usageError{usageText(cmd, flagError(err))}
	})
	_ = root.RegisterFlagCompletionFunc("output", outputValues)
	// Grouped as a person meets them: make a release, move it through the
	// environments, look at what happened, keep the project tidy.
	addGroup(root, groupBuild, "Build commands:", newCmdInit(f), newCmdConfig(f), newCmdBuild(f),
		newCmdValidate(f), newCmdRelease(f))
	addGroup(root, groupDeploy, "Deploy commands:", newCmdPromote(f), newCmdAbort(f), newCmdRollback(f), newCmdRecover(f),
		newCmdApprove(f), newCmdLock(f), newCmdUnlock(f))
	addGroup(root, groupInspect, "Inspect commands:", newCmdStatus(f), newCmdHistory(f), newCmdShow(f), newCmdLogs(f),
		newCmdVerify(f), newCmdUI(f))
	addGroup(root, groupAdmin, "Admin commands:", newCmdRevoke(f), newCmdUnpin(f), newCmdGC(f), newCmdSweep(f),
		newCmdKeygen(f), newCmdVersion(f))
	root.AddCommand(newCmdForward(f)) // hidden: a helper process bake starts itself
	root.SetCompletionCommandGroupID(groupAdmin)
	root.InitDefaultCompletionCmd()
	describeCompletion(root)
	completeNoFiles(root)
	refuseUnknownSubcommands(root)
	return root
}

// The groups of `bake --help`.
const (
	groupBuild   = "build"
	groupDeploy  = "deploy"
	groupInspect = "inspect"
	groupAdmin   = "admin"
)

// addGroup adds the group id titled title to root, with its commands.
func addGroup(root *cobra.Command, id, title string, cmds ...*cobra.Command) {
	root.AddGroup(&cobra.Group{ID: id, Title: title})
	for _, c := range cmds {
		c.GroupID = id
		root.AddCommand(c)
	}
}

// refuseUnknownSubcommands makes each command that only groups others
// (config, completion) exit 2 on an unknown subcommand, where cobra would
// print its help and exit 0.
func refuseUnknownSubcommands(c *cobra.Command) {
	for _, sub := range c.Commands() {
		refuseUnknownSubcommands(sub)
	}
	if !c.HasParent() || c.Runnable() || !c.HasSubCommands() {
		return
	}
	c.SuggestionsMinimumDistance = 2 // as cobra sets for the root
	c.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return cmd.Help()
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg += fmt.Sprintf("; did you mean %q?", s[0])
		}
		return &usageError{usageText(cmd, msg)}
	}
}

// Execute runs the command tree and turns cobra's own complaints (a missing
// required flag, an unknown command) into usage errors, which exit 2.
func Execute(ctx context.Context, f *Factory) error {
	cmd, err := NewRootCmd(f).ExecuteContextC(ctx)
	if err == nil {
		return nil
	}
	if f.Output != "json" && jsonAsked(os.Args[1:]) {
		// A flag error stopped parsing before --output was read.
		f.Output = "json"
	}
	var usage *usageError
	if msg, ok := exclusiveFlags(err.Error()); ok {
		return &usageError{usageText(cmd, msg)}
	}
	if !errors.As(err, &usage) && cobraComplaint(err) {
		return &usageError{usageText(cmd, oneLine(err.Error()))}
	}
	return err
}

// usageText names the subcommand a complaint is about and where its help
// is: "promote: unknown flag: --bogus (see `bake promote --help`)". The
// top level adds the one "bake: " every error starts with, so the program's
// name is not repeated here.
func usageText(cmd *cobra.Command, msg string) string {
	see := fmt.Sprintf("%s (see `%s --help`)", msg, cmd.CommandPath())
	if !cmd.HasParent() {
		return see
	}
	return strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ") + ": " + see
}

// jsonAsked reports whether args ask for --output json, for errors that
// end flag parsing before cobra reaches it.
func jsonAsked(args []string) bool {
	for i, a := range args {
		switch {
		case a == "--":
			return false
		case a == "-ojson", a == "--output=json", a == "-o=json":
			return true
		case (a == "-o" || a == "--output") && i+1 < len(args) && args[i+1] == "json":
			return true
		}
	}
	return false
}

func cobraComplaint(err error) bool {
	msg := err.Error()
	for _, prefix := range []string{"required flag(s)", "unknown command", "if any flags in the group", "invalid argument"} {
		if strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return false
}

// oneLine folds a complaint of cobra's that spans lines (an unknown
// command's "Did you mean this?" list) into one line.
func oneLine(msg string) string {
	if head, names, ok := strings.Cut(msg, "\n\nDid you mean this?\n"); ok {
		quoted := strings.Fields(names)
		for i, n := range quoted {
			quoted[i] = strconv.Quote(n)
		}
		return head + "; did you mean " + strings.Join(quoted, " or ") + "?"
	}
	return strings.Join(strings.Fields(msg), " ")
}

// exactArgs is cobra.ExactArgs with bake's usage error and a named argument.
func exactArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return &usageError{usageText(cmd, fmt.Sprintf("expected %s, got %d argument(s)", names, len(args)))}
		}
		return nil
	}
}

// splitRef splits IMAGE@VERSION.
func splitRef(ref string) (image, version string, err error) {
	image, version, ok := strings.Cut(ref, "@")
	if !ok || image == "" || version == "" {
		return "", "", &usageError{fmt.Sprintf("%q: expected IMAGE@VERSION, like hello@1.0.0", ref)}
	}
	return image, version, nil
}

// flagError says what a flag wanted instead of the parser's Go error, such
// as `--parallel "x": want a whole number` for `strconv.ParseInt: ...`.
func flagError(err error) string {
	var invalid *pflag.InvalidValueError
	if !errors.As(err, &invalid) {
		return err.Error()
	}
	want, ok := map[string]string{
		"bool":     "true or false",
		"int":      "a whole number",
		"int64":    "a whole number",
		"duration": "a duration such as 90s, 15m or 2h",
	}[invalid.GetFlag().Value.Type()]
	if !ok {
		return err.Error()
	}
	return fmt.Sprintf("--%s %q: want %s", invalid.GetFlag().Name, invalid.GetValue(), want)
}
