// Package release bakes, validates, publishes and records one release:
// what `bake release` does in CI after a merge.
package release

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/moby/moby/client"

	"github.com/bakehq/bake/internal/artifact"
	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/builder"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/sandbox"
	"github.com/bakehq/bake/internal/secret"
)

// Sentinel errors the CLI maps to exit codes.
var (
	ErrValidationFailed = errors.New("validation failed") // exit 1: recorded as failed
	ErrNoBase           = errors.New("base has no validated release")
)

// Releaser holds what a release needs.
type Releaser struct {
	Project   *config.Project
	Store     ledger.Store
	Engine    *client.Client
	Operation string
	User      string
	Progress  io.Writer // what bake does and each check's result; may be nil
	// KeepOnFailure keeps a failed sandbox running for debugging.
	KeepOnFailure bool
	// BuildOutput receives the builder's own output (build steps, mmdebstrap);
	// nil sends it to Progress.
	BuildOutput io.Writer
	// AWS returns the AWS clients of the project's region, for AMI images;
	// nil when bake runs without AWS.
	AWS func(ctx context.Context) (*awsx.Clients, error)
	// Secrets are bake's BAKE_SECRET_* variables: where the values of an
	// image's secrets come from. nil: none is set.
	Secrets secret.Env
}

// Options says which release to make.
type Options struct {
	Image     *config.Image
	Version   string // decided by the caller (see package version)
	GitCommit string
	GitDirty  bool
	Source    string
	Reason    string // why this version, shown when the build starts
	Force     bool   // build even when a release with the same inputs exists
}

// Release builds (or reuses), validates, publishes and records
// image@version. A release whose checks fail is recorded as failed (never
// published) and returned with ErrValidationFailed.
func (r *Releaser) Release(ctx context.Context, o Options) (ledger.Release, error) {
	name := o.Image.Name + "@" + o.Version
	if existing, err := r.Store.Release(ctx, o.Image.Name, o.Version); err == nil {
		return ledger.Release{}, fmt.Errorf("%w: %s was recorded %s as %s; releases are immutable: choose another version",
			ledger.ErrExists, name, existing.CreatedAt.Local().Format(time.DateTime), existing.Status)
	} else if !errors.Is(err, ledger.ErrNotFound) {
		return ledger.Release{}, err
	}
	job, base, err := r.Prepare(ctx, o)
	if err != nil {
		return ledger.Release{}, err
	}
	if err := r.createRepository(ctx, o.Image, name); err != nil {
		return ledger.Release{}, err
	}
	if err := checkStructureFile(o.Image, o.Version); err != nil {
		return ledger.Release{}, err
	}
	if err := r.checkRegistry(ctx, o.Image, name); err != nil {
		return ledger.Release{}, err
	}
	rel := ledger.Release{
		Image: o.Image.Name, Version: o.Version, InputsDigest: job.InputsDigest(),
		GitCommit: o.GitCommit, CreatedBy: r.User,
	}
	if base != nil {
		rel.Base = base.Image + "@" + base.Version
	}
	if prev, ok := r.reusable(ctx, o, job); ok {
		return r.releaseReused(ctx, o, rel, prev)
	}
	r.say("releasing %s (%s)", name, o.Reason)
	start := time.Now()
	built, err := job.Run(ctx)
	if err != nil {
		return ledger.Release{}, err
	}
	rel.Provenance = ledger.Provenance{
		GitDirty: o.GitDirty, TemplateDigest: built.TemplateDigest, Builder: built.Builder,
		BuilderVersion: builder.Version, BuiltAt: start.UTC(), BuildDuration: time.Since(start),
	}
	if len(built.AMIs) > 0 {
		// The AMIs are the artifact: nothing to push, and an AMI cannot start
		// in the docker sandbox.
		return r.releaseAMIs(ctx, o, rel, built.AMIs)
	}
	if built.Index != nil {
		return r.releaseIndex(ctx, o, rel, built)
	}
	if err := r.validate(ctx, o, &rel, built.ImageID); err != nil {
		return rel, err
	}
	art, err := builder.Publish(ctx, r.Engine, built, nil)
	if err != nil {
		return ledger.Release{}, err
	}
	rel.Digest, rel.Reference = art.Digest, art.Reference
	return rel, r.record(ctx, &rel, ledger.StatusValidated)
}

// validate runs the image's checks on ref and records a failed release if
// any fails.
func (r *Releaser) validate(ctx context.Context, o Options, rel *ledger.Release, ref string) error {
	name := rel.Image + "@" + rel.Version
	r.say("validating %s in a sandbox", name)
	sb := &sandbox.Sandbox{Engine: r.Engine, Project: r.Project.Name, Operation: r.Operation, Progress: r.Progress, KeepOnFailure: r.KeepOnFailure}
	var err error
	rel.Checks, err = sb.Validate(ctx, sandbox.Subject{Image: o.Image, Ref: ref, Version: o.Version})
	if err != nil {
		return fmt.Errorf("validating %s: %w", name, err)
	}
	if sandbox.Passed(rel.Checks) {
		return nil
	}
	if err := r.record(ctx, rel, ledger.StatusFailed); err != nil {
		return err
	}
	return fmt.Errorf("%w: %s: %s", ErrValidationFailed, name, firstFailure(rel.Checks))
}

// releaseAMIs validates an AMI release on EC2 when its image has checks
// and records it: validated, or failed (returned with ErrValidationFailed)
// when a check failed or could not run on an instance.
func (r *Releaser) releaseAMIs(ctx context.Context, o Options, rel ledger.Release, amis map[string]string) (ledger.Release, error) {
	rel.AMIs, rel.Digest = amis, artifact.AMIDigest(amis)
	r.say("%s@%s made AMIs %s", rel.Image, rel.Version, artifact.AMIList(amis))
	if err := r.validateAMIs(ctx, o, &rel); err != nil {
		return rel, err
	}
	return rel, r.record(ctx, &rel, ledger.StatusValidated)
}

// validateAMIs runs the image's checks on an instance launched from the
// release's AMI in the project's region, and records a failed release if
// any fails. Without AWS clients the checks cannot run, and the release is
// failed rather than validated without them.
func (r *Releaser) validateAMIs(ctx context.Context, o Options, rel *ledger.Release) error {
	name := rel.Image + "@" + rel.Version
	if len(o.Image.Checks) == 0 {
		return nil
	}
	if r.AWS == nil {
		rel.Checks = []ledger.CheckResult{{Name: "sandbox", Kind: "ami", Detail: "checks of an AMI run on EC2, and bake runs without AWS here"}}
	} else {
		clients, err := r.AWS(ctx)
		if err != nil {
			return fmt.Errorf("validating %s on EC2: %w", name, err)
		}
		r.say("validating %s on EC2 in %s", name, clients.Config.Region)
		sb := &sandbox.EC2{EC2: clients.EC2, SSM: clients.SSM, Region: clients.Config.Region,
			Project: r.Project.Name, Operation: r.Operation, Progress: r.Progress}
		rel.Checks, err = sb.Validate(ctx, sandbox.AMISubject{Image: o.Image, AMIs: rel.AMIs, Version: rel.Version})
		if err != nil {
			return fmt.Errorf("validating %s on EC2: %w", name, err)
		}
	}
	if sandbox.Passed(rel.Checks) {
		return nil
	}
	if err := r.record(ctx, rel, ledger.StatusFailed); err != nil {
		return err
	}
	return fmt.Errorf("%w: %s: %s", ErrValidationFailed, name, firstFailure(rel.Checks))
}

// record records rel with status and leaves in rel what was recorded: the
// store may add to it (a signature) or hide parts of it (secret values).
func (r *Releaser) record(ctx context.Context, rel *ledger.Release, status string) error {
	ctx = context.WithoutCancel(ctx)
	rel.Status, rel.CreatedAt = status, time.Now().UTC()
	if err := r.Store.PutRelease(ctx, *rel); err != nil {
		return err
	}
	if got, err := r.Store.Release(ctx, rel.Image, rel.Version); err == nil {
		*rel = got
	}
	return nil
}

func (r *Releaser) say(format string, args ...any) {
	if r.Progress != nil {
		fmt.Fprintf(r.Progress, format+"\n", args...)
	}
}

func firstFailure(results []ledger.CheckResult) string {
	for _, c := range results {
		if !c.Passed && c.Platform != "" {
			return c.Platform + ": " + c.Name + ": " + c.Detail
		}
		if !c.Passed {
			return c.Name + ": " + c.Detail
		}
	}
	return ""
}
