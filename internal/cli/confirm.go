package cli

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/bakehq/bake/internal/config"
)

// Which commands ask before they act. A command asks when what it does
// cannot be undone by another bake command, or changes what a protected
// environment runs:
//
//   - gc removes replicas, local images and registry manifests;
//   - sweep removes containers, networks, volumes (and with --aws,
//     instances and AMIs) that killed runs left behind;
//   - revoke marks a release as never to be promoted again;
//   - promote and rollback into an environment marked `protected: true`
//     in bake.yaml (the example project marks prod);
//   - rollback without a version, which shows the releases it chooses
//     from before it asks (rollback_confirm.go): it acts on a choice
//     bake made, which a person should see first.
//
// Their --dry-run and --plan forms change nothing and never ask. On a
// terminal the question goes to stderr and only "y" or "yes" goes ahead;
// when stdin is not a terminal (CI, scripts) nothing can answer, so these
// commands refuse (exit 2) unless --yes answers for them.

// errNotConfirmed is a question answered with anything but yes.
type errNotConfirmed struct{ action string }

func (e *errNotConfirmed) Error() string {
	return errorPath(e.action) + ": not confirmed; nothing was changed"
}

// errorPath drops the program's name from a question that starts with the
// command ("bake gc: remove ..."): the top level starts every error with
// "bake: " once.
func errorPath(action string) string { return strings.TrimPrefix(action, "bake ") }

// confirm asks whether to go ahead with action ("remove 3 replicas of
// demo"), and returns nil when bake may.
func (f *Factory) confirm(action string) error {
	if f.Yes {
		return nil
	}
	if !f.InTerminal {
		return confirmationNeeded(action, "")
	}
	fmt.Fprintf(f.Err, "%s? [y/N] ", action)
	answer, _ := bufio.NewReader(f.In).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return nil
	}
	return &errNotConfirmed{action: action}
}

// confirmationNeeded refuses action, which needs a yes that no terminal
// can give; hint says what else may help. The action's "bake " goes, as
// main names the program once.
func confirmationNeeded(action, hint string) error {
	return &usageError{fmt.Sprintf("%s: confirmation needed and stdin is not a terminal: pass --yes to go ahead%s", errorPath(action), hint)}
}

// rollbackAction is what a rollback of image in env asks about.
func rollbackAction(image, env, to string) string {
	if to != "" {
		return fmt.Sprintf("bake rollback: roll %s in %q back to %s", image, env, to)
	}
	return fmt.Sprintf("bake rollback: roll %s in %q back to its previous good release", image, env)
}

// confirmProtected asks before action changes what the protected
// environment env runs; other environments go ahead.
func (f *Factory) confirmProtected(p *config.Project, env, action string) error {
	e, _ := p.Environment(env)
	if e == nil || !e.Protected {
		return nil
	}
	return f.confirm(fmt.Sprintf("%s (%q is protected)", action, env))
}
