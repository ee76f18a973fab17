// Package promote moves a recorded release into an environment: policy
// gates, then a deployment through the environment's target, recorded in
// the ledger. Rollback goes through the same path.
package promote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/target"
)

// Sentinel errors the CLI maps to exit codes.
var (
	ErrRefused = errors.New("refused by policy") // exit 3
	ErrFailed  = errors.New("deployment failed") // exit 1
)

// LockTTL bounds how long a crashed bake can keep an environment locked.
const LockTTL = 15 * time.Minute

// Target runs releases in an environment.
type Target interface {
	Deploy(ctx context.Context, req target.Request) ([]target.Replica, error)
	Retire(ctx context.Context, req target.Request, previousVersion string) error
}

// Deployer executes deployments: it is shared by promote and rollback.
type Deployer struct {
	Project  *config.Project
	Store    ledger.Store
	Target   Target
	User     string    // who runs bake, recorded with every deployment
	Progress io.Writer // may be nil
}

// Result is what a deployment did.
type Result struct {
	Deployment ledger.Deployment `json:"deployment"`
	Unchanged  bool              `json:"unchanged"` // the environment already ran the release
	Replicas   []target.Replica  `json:"replicas,omitempty"`
}

// Execute deploys rel to env under the environment's lock and records the
// outcome. If env already runs rel it changes nothing.
func (d *Deployer) Execute(ctx context.Context, kind string, env *config.Environment, rel ledger.Release) (Result, error) {
	img := d.Project.Image(rel.Image)
	tgt := env.Targets[rel.Image]
	lock, err := d.Store.Lock(ctx, "env/"+env.Name, d.holder(kind, rel), LockTTL)
	if err != nil {
		if errors.Is(err, ledger.ErrLocked) {
			return Result{}, fmt.Errorf("%w: %v", ErrRefused, err)
		}
		return Result{}, err
	}
	defer d.Store.Unlock(context.WithoutCancel(ctx), lock)

	dep := ledger.Deployment{
		Env: env.Name, Image: rel.Image, Version: rel.Version, Digest: rel.Digest,
		Kind: kind, StartedAt: time.Now().UTC(), By: d.User,
	}
	current, err := d.Store.Current(ctx, rel.Image, env.Name)
	switch {
	case err == nil && current.Digest == rel.Digest:
		return Result{Deployment: current, Unchanged: true}, nil
	case err == nil:
		dep.Previous = current.Version
	case !errors.Is(err, ledger.ErrNotFound):
		return Result{}, err
	}

	req := target.Request{Env: env.Name, Image: img, Target: tgt, Release: rel}
	replicas, err := d.Target.Deploy(ctx, req)
	dep.FinishedAt = time.Now().UTC()
	if err != nil {
		dep.Outcome, dep.Reason = ledger.OutcomeFailed, err.Error()
		if _, rerr := d.Store.AppendDeployment(context.WithoutCancel(ctx), dep); rerr != nil {
			return Result{}, errors.Join(err, rerr)
		}
		return Result{Deployment: dep}, fmt.Errorf("%w: %s@%s to %q: %v; %q still runs %s",
			ErrFailed, rel.Image, rel.Version, env.Name, err, env.Name, orNothing(dep.Previous))
	}
	dep.Outcome = ledger.OutcomeSucceeded
	if dep.ID, err = d.Store.AppendDeployment(context.WithoutCancel(ctx), dep); err != nil {
		return Result{}, fmt.Errorf("recording deployment of %s@%s to %q: %w", rel.Image, rel.Version, env.Name, err)
	}
	if err := d.Target.Retire(ctx, req, dep.Previous); err != nil {
		d.say("warning: retiring old replicas: %v", err)
	}
	return Result{Deployment: dep, Replicas: replicas}, nil
}

func (d *Deployer) holder(kind string, rel ledger.Release) string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s on %s (pid %d, %s %s@%s)", d.User, host, os.Getpid(), kind, rel.Image, rel.Version)
}

func (d *Deployer) say(format string, args ...any) {
	if d.Progress != nil {
		fmt.Fprintf(d.Progress, format+"\n", args...)
	}
}

func orNothing(v string) string {
	if v == "" {
		return "nothing"
	}
	return v
}
