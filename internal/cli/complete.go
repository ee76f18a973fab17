package cli

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/version"
)

// Shell completion: what a shell offers for bake's arguments and flag
// values, read from bake.yaml and the ledger. A shell asks on every TAB, so
// a missing or broken bake.yaml, no ledger yet or a slow one offer nothing
// instead of an error: the person keeps typing.

// completionTimeout bounds the ledger reads of one completion (a DynamoDB
// ledger out of reach must not hang the shell).
const completionTimeout = 2 * time.Second

// completing is one request for candidates: the command, the positional
// arguments already typed, the word being typed, and the project.
type completing struct {
	ctx        context.Context
	f          *Factory
	cmd        *cobra.Command
	args       []string
	toComplete string
}

// candidates lists what may come next; nil when there is nothing to offer.
type candidates func(c *completing) ([]cobra.Completion, cobra.ShellCompDirective)

// completeArgs completes positional arguments, byPosition[i] offering the
// i-th; nil, or a position past the list, offers nothing (not file names).
func completeArgs(f *Factory, byPosition ...candidates) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) >= len(byPosition) || byPosition[len(args)] == nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return run(f, cmd, args, toComplete, byPosition[len(args)])
	}
}

// completeFlag completes a flag's value.
func completeFlag(f *Factory, c candidates) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return run(f, cmd, args, toComplete, c)
	}
}

func run(f *Factory, cmd *cobra.Command, args []string, toComplete string, list candidates) ([]cobra.Completion, cobra.ShellCompDirective) {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, completionTimeout)
	defer cancel()
	got, directive := list(&completing{ctx: ctx, f: f, cmd: cmd, args: args, toComplete: toComplete})
	// Shells filter by what was typed too; filtering here keeps the
	// answer short and the same in every shell.
	var out []cobra.Completion
	for _, g := range got {
		if value, _, _ := strings.Cut(g, "\t"); strings.HasPrefix(value, toComplete) {
			out = append(out, g)
		}
	}
	return out, directive
}

// noFiles is for commands that take no arguments: cobra would offer file
// names.
var noFiles = cobra.NoFileCompletions

// fixedValues offers a flag's fixed set of values, in the order given.
func fixedValues(values ...string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var out []cobra.Completion
		for _, v := range values {
			if strings.HasPrefix(v, toComplete) {
				out = append(out, v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
	}
}

// outputValues are --output's values.
var outputValues = fixedValues("text", "json")

// bumpValues are --bump's values, in the order a person reads them.
var bumpValues = fixedValues(version.Auto.String(), version.Major.String(), version.Minor.String(), version.Patch.String())

// reportValues offers --report's one format with its "=", then leaves the
// path to the shell's file completion.
func reportValues(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if strings.Contains(toComplete, "=") {
		return nil, cobra.ShellCompDirectiveDefault
	}
	return []cobra.Completion{"junit="}, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
}

// project is bake.yaml, or nil when it cannot be read.
func (c *completing) project() *config.Project {
	p, err := c.f.Project()
	if err != nil {
		return nil
	}
	return p
}

// store is the ledger, or nil when there is none yet or it cannot be opened.
func (c *completing) store() ledger.Store {
	s, err := c.f.Store(c.ctx)
	if err != nil {
		return nil
	}
	return s
}

// image is the image the first argument names (IMAGE or IMAGE@VERSION), or
// "" when there is none.
func (c *completing) image() string {
	if len(c.args) == 0 {
		return ""
	}
	image, _, _ := strings.Cut(c.args[0], "@")
	return image
}

// flag is the value given to the command's flag name so far.
func (c *completing) flag(name string) string {
	v, err := c.cmd.Flags().GetString(name)
	if err != nil {
		return ""
	}
	return v
}

// imageNames offers the images bake.yaml defines.
func imageNames(c *completing) ([]cobra.Completion, cobra.ShellCompDirective) {
	p := c.project()
	if p == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, im := range p.Images {
		out = append(out, im.Name)
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// envNames offers the environments bake.yaml defines, in promotion order;
// when the first argument names an image some environments run, only those.
func envNames(c *completing) ([]cobra.Completion, cobra.ShellCompDirective) {
	p := c.project()
	if p == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	envs := p.Environments
	if image := c.image(); image != "" && p.Image(image) != nil {
		var running []*config.Environment
		for _, e := range envs {
			if e.Targets[image] != nil {
				running = append(running, e)
			}
		}
		if len(running) > 0 {
			envs = running
		}
	}
	var out []cobra.Completion
	for _, e := range envs {
		if e.Protected {
			out = append(out, cobra.CompletionWithDesc(e.Name, "protected"))
		} else {
			out = append(out, e.Name)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
}

// imagesInEnv offers the images the environment the first argument names
// has a target for (recover ENV IMAGE).
func imagesInEnv(c *completing) ([]cobra.Completion, cobra.ShellCompDirective) {
	p := c.project()
	if p == nil || len(c.args) == 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	env, _ := p.Environment(c.args[0])
	if env == nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, im := range p.Images {
		if env.Targets[im.Name] != nil {
			out = append(out, im.Name)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// releaseRefs offers IMAGE@ for each image, then, once "@" is typed, the
// image's recorded versions newest first; with promotable, only the
// validated releases that are not revoked.
func releaseRefs(promotable bool) candidates {
	return func(c *completing) ([]cobra.Completion, cobra.ShellCompDirective) {
		image, _, typed := strings.Cut(c.toComplete, "@")
		if !typed {
			names, directive := imageNames(c)
			for i := range names {
				names[i] += "@"
			}
			return names, directive | cobra.ShellCompDirectiveNoSpace
		}
		return recordedVersions(c, image, promotable, image+"@")
	}
}

// recordedVersions lists image's releases, newest version first, each
// prefixed with prefix and described by its status and date.
func recordedVersions(c *completing, image string, promotable bool, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	const directive = cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
	p, s := c.project(), c.store()
	if p == nil || p.Image(image) == nil || s == nil {
		return nil, directive
	}
	rels, err := s.Releases(c.ctx, image)
	if err != nil {
		return nil, directive
	}
	var out []cobra.Completion
	for _, r := range rels {
		// What was typed filters before the revocation is read: one read
		// per candidate, not per release.
		if promotable && r.Status != ledger.StatusValidated || !strings.HasPrefix(prefix+r.Version, c.toComplete) {
			continue
		}
		desc := r.Status + ", " + r.CreatedAt.Local().Format(time.DateOnly)
		if _, err := s.Revocation(c.ctx, image, r.Version); err == nil {
			if promotable {
				continue
			}
			desc = "revoked"
		} else if !errors.Is(err, ledger.ErrNotFound) {
			return nil, directive
		}
		out = append(out, cobra.CompletionWithDesc(prefix+r.Version, desc))
	}
	return out, directive
}

// promoteRef offers what promote takes: IMAGE with --from, else IMAGE@VERSION
// of a release that may be promoted.
func promoteRef(c *completing) ([]cobra.Completion, cobra.ShellCompDirective) {
	if c.flag("from") != "" {
		return imageNames(c)
	}
	return releaseRefs(true)(c)
}

// rollbackRef offers what rollback takes: IMAGE, and once "@" is typed the
// versions it may go back to in --env (any promotable one before --env).
func rollbackRef(c *completing) ([]cobra.Completion, cobra.ShellCompDirective) {
	image, _, typed := strings.Cut(c.toComplete, "@")
	if !typed {
		return imageNames(c)
	}
	if c.flag("env") == "" {
		return recordedVersions(c, image, true, image+"@")
	}
	return rollbackVersions(c, image, image+"@")
}

// rollbackTo offers rollback --to's versions: those that ran in --env.
func rollbackTo(c *completing) ([]cobra.Completion, cobra.ShellCompDirective) {
	return rollbackVersions(c, c.image(), "")
}

// rollbackVersions lists the versions a rollback of image in --env may go
// back to (promote.RollbackTargets), nearest first, each described by when
// it last ran there and who deployed it.
func rollbackVersions(c *completing, image, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	const directive = cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
	p, env := c.project(), c.flag("env")
	if p == nil || p.Image(image) == nil || env == "" {
		return nil, directive
	}
	if e, _ := p.Environment(env); e == nil {
		return nil, directive
	}
	s := c.store()
	if s == nil {
		return nil, directive
	}
	deps, err := promote.RollbackTargets(c.ctx, s, image, env)
	if err != nil {
		return nil, directive
	}
	out := make([]cobra.Completion, len(deps))
	for i, d := range deps {
		out[i] = cobra.CompletionWithDesc(prefix+d.Version,
			"ran "+d.FinishedAt.Local().Format("2006-01-02 15:04")+" by "+d.By)
	}
	return out, directive
}

// pathFlags take a file or directory: the shell's own file completion is
// the right answer for them.
var pathFlags = map[string]bool{"config": true, "key": true, "from": true, "out": true}

// completeNoFiles gives every flag that takes a value and has no completion
// of its own (a number, a duration, free text) one that offers nothing: left
// alone, cobra tells the shell to offer file names for a port or a reason.
func completeNoFiles(c *cobra.Command) {
	c.LocalFlags().VisitAll(func(fl *pflag.Flag) {
		if fl.Value.Type() == "bool" || pathFlags[fl.Name] {
			return
		}
		if _, ok := c.GetFlagCompletionFunc(fl.Name); !ok {
			_ = c.RegisterFlagCompletionFunc(fl.Name, cobra.NoFileCompletions)
		}
	})
	for _, sub := range c.Commands() {
		completeNoFiles(sub)
	}
}
