package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/version"
)

// runContinue is `bake promote IMAGE --env ENV --continue`: the held
// canary of IMAGE in ENV goes on.
func runContinue(ctx context.Context, o *promoteOptions) (err error) {
	f := o.f
	envName := o.env
	switch {
	case o.env != "" && o.to != "" && o.env != o.to:
		return &usageError{fmt.Sprintf("promote: --env %q and --to %q name two environments: give one (see `bake promote --help`)", o.env, o.to)}
	case envName == "":
		envName = o.to
	}
	if envName == "" {
		return &usageError{`promote: --continue needs the environment: --env ENV (see ` + "`bake promote --help`)"}
	}
	req := promote.ContinueRequest{Image: o.ref, Env: envName, Step: o.step, Unjudged: o.unjudged}
	if strings.Contains(o.ref, "@") {
		image, v, err := splitRef(o.ref)
		if err != nil {
			return err
		}
		if _, err := version.Parse(v); err != nil {
			return err
		}
		req.Image, req.Version = image, v
	}
	p, _, err := f.image(req.Image)
	if err != nil {
		return err
	}
	env, err := environment(p, envName)
	if err != nil {
		return err
	}
	finish := f.liveProgress(ctx, fmt.Sprintf("continue the canary of %s in %q", req.Image, env.Name))
	defer func() { finish(err) }()
	eng, err := f.promoter(ctx, p)
	if err != nil {
		return err
	}
	res, err := eng.Continue(ctx, req)
	finish(err) // the live view ends before the result is printed under it
	if err != nil {
		return err
	}
	return renderDeployment(f, env, res)
}

// printHeld says where a held canary stands and how to go on.
func printHeld(w io.Writer, env *config.Environment, res promote.Result) {
	dep, c := res.Deployment, res.Canary
	fmt.Fprintf(w, "%s@%s gets %d%% of requests in %s (step %d/%d), %s the rest; held\n",
		dep.Image, dep.Version, c.Weight, env.Name, c.Step, c.Steps, orNone(dep.Previous))
	// Without --step a continue does not stop at the next step: say so
	// before someone runs it expecting one more step.
	fmt.Fprintf(w, "go on: bake promote %s --env %s --continue (runs every remaining step to the end; add --step to hold after the next)\n", dep.Image, env.Name)
	fmt.Fprintf(w, "abort: bake abort %s --env %s\n", dep.Image, env.Name)
}
