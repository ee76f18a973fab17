// Package ledger records releases and deployments: the single source of truth
// for promote and rollback. It holds the records' types, the Store contract
// every backend keeps, the hash chain and the rules read from history; the
// backends are ledger/sqlite and ledger/dynamodb, and ledger/backend opens
// the one a location names, with signing and redaction, for every caller.
package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Sentinel errors callers branch on.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already recorded")
	ErrLocked   = errors.New("locked")
)

// Release statuses.
const (
	StatusValidated = "validated" // built, pushed and every check passed
	StatusFailed    = "failed"    // built but a check failed: can never be promoted
)

// Deployment kinds and outcomes.
const (
	KindPromote      = "promote"
	KindRollback     = "rollback"
	KindAutoRollback = "auto-rollback" // bake switched back on its own after a failed health watch

	OutcomeSucceeded = "succeeded"
	OutcomeFailed    = "failed"
	// OutcomeStarted marks the record a promote or rollback appends before
	// it changes anything: its intent. The record of its outcome follows
	// with the same kind, version and start time; a started record with
	// none after it is an operation under way, or one that was interrupted.
	OutcomeStarted = "started"
	// OutcomeStep marks a canary's step record: one per step change,
	// between the started record and the outcome, with the same kind,
	// version and start time. It is never an outcome and never what an
	// environment runs; history shows it.
	OutcomeStep = "step"
)

// Release is an immutable, recorded image@version.
type Release struct {
	Image        string        `json:"image"`
	Version      string        `json:"version"`
	Digest       string        `json:"digest"`    // manifest digest, sha256:...
	Reference    string        `json:"reference"` // registry/repository@digest, what targets run
	InputsDigest string        `json:"inputs_digest"`
	Base         string        `json:"base,omitempty"` // parent release image@version, if any
	GitCommit    string        `json:"git_commit,omitempty"`
	Status       string        `json:"status"`
	Checks       []CheckResult `json:"checks"`
	CreatedAt    time.Time     `json:"created_at"`
	CreatedBy    string        `json:"created_by"`
	// AMIs are the machine images of an AMI release, by region.
	AMIs       map[string]string `json:"amis,omitempty"`
	Provenance Provenance        `json:"provenance"`
	// Signature is the base64 ed25519 signature of the release's signed
	// payload, made when it was recorded; empty when bake had no signing key.
	Signature string `json:"signature,omitempty"`
	// SigningKey names the key that made Signature: the sha256 of its public key.
	SigningKey string `json:"signing_key,omitempty"`
}

// Provenance says how a release's artifact came to be.
type Provenance struct {
	GitDirty       bool          `json:"git_dirty"`                 // the tree had uncommitted changes
	TemplateDigest string        `json:"template_digest,omitempty"` // sha256 of the rendered template
	Builder        string        `json:"builder,omitempty"`         // docker, rootfs or packer
	BuilderVersion string        `json:"builder_version,omitempty"`
	BuiltAt        time.Time     `json:"built_at"`              // when the artifact was built
	BuildDuration  time.Duration `json:"build_duration_ns"`     // 0 when reused
	ReusedFrom     string        `json:"reused_from,omitempty"` // image@version whose artifact this release reuses
	// Platforms are the images of a multi-platform release, one per
	// platform, in the index its Digest names; none for a single platform.
	Platforms []PlatformImage `json:"platforms,omitempty"`
}

// PlatformImage is one platform's image in a multi-platform release's index.
type PlatformImage struct {
	Platform string `json:"platform"` // os/arch[/variant]
	Digest   string `json:"digest"`   // its manifest's digest in the index
}

// CheckResult is one sandbox check's verdict.
type CheckResult struct {
	Name     string        `json:"name"`
	Kind     string        `json:"kind"`
	Passed   bool          `json:"passed"`
	Detail   string        `json:"detail"` // what was expected and what was seen
	Duration time.Duration `json:"duration_ns"`
	// Platform is the platform whose image the check ran on, for a
	// multi-platform release; "" for a single platform.
	Platform string `json:"platform,omitempty"`
}

// Deployment is one append-only record of "env now runs image@version".
type Deployment struct {
	ID      int64  `json:"id"`
	Env     string `json:"env"`
	Image   string `json:"image"`
	Version string `json:"version"`
	Digest  string `json:"digest"`
	// Reference is where the environment pulled the release from when
	// that is not the release's own reference: its copy, by the same
	// digest, in the environment's registry. "" in older records keeps
	// their hash-chain entries unchanged.
	Reference  string    `json:"reference,omitempty"`
	Previous   string    `json:"previous,omitempty"` // version it replaced, "" if none
	Kind       string    `json:"kind"`               // promote, rollback or auto-rollback
	Outcome    string    `json:"outcome"`            // started, step, succeeded or failed
	Reason     string    `json:"reason,omitempty"`   // why it failed; who runs it, for a started record
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	By         string    `json:"by"`
	// Strategy is "canary" for a canary deployment; "" for the others (and
	// in older records, whose hash-chain entries it leaves unchanged).
	Strategy string `json:"strategy,omitempty"`
	// Canary is where a canary stands, on its step records.
	Canary *CanaryProgress `json:"canary,omitempty"`
	// Analysis holds the measurements a canary's analysis made: on a step
	// record those of the step before it, on the outcome those of the last.
	Analysis []Measurement `json:"analysis,omitempty"`
}

// CanaryProgress is where a canary deployment stands after a step change.
type CanaryProgress struct {
	Step   int  `json:"step"`   // 1-based index of the step now in force
	Steps  int  `json:"steps"`  // how many steps, the final 100% not counted
	Weight int  `json:"weight"` // percent of requests the canary receives
	Held   bool `json:"held"`   // it waits for `bake promote --continue` or `bake abort`
	// Until is when the step's pause ends; zero while held.
	Until time.Time `json:"until,omitzero"`
}

// Measurement is one value a canary analysis compared: the canary's, the
// baseline's (the release it would replace) and the limit it was held to.
type Measurement struct {
	Name   string `json:"name"`   // "error rate", "latency p50", or a Prometheus query's name
	Source string `json:"source"` // "front door" or "prometheus"
	Unit   string `json:"unit,omitempty"`
	// Canary and Baseline are the measured values (Baseline is 0 for a
	// query that measures the canary alone); Limit is the most (or, with
	// Min, the least) the canary's may be.
	Canary   float64 `json:"canary"`
	Baseline float64 `json:"baseline"`
	Limit    float64 `json:"limit"`
	Min      bool    `json:"min,omitempty"`
	// Reported marks a value measured for people and held to no limit
	// (Limit is then 0 and means nothing), such as the latency p95.
	Reported bool `json:"reported,omitempty"`
	// CanaryOnly marks a value measured on the canary alone, such as a
	// Prometheus query's: Baseline is then 0 and means nothing, and JSON
	// leaves it out.
	CanaryOnly bool `json:"canary_only,omitempty"`
	// CanaryRequests and BaselineRequests are the sample sizes, for the
	// front door's measurements.
	CanaryRequests   int    `json:"canary_requests,omitempty"`
	BaselineRequests int    `json:"baseline_requests,omitempty"`
	Passed           bool   `json:"passed"`
	Detail           string `json:"detail,omitempty"` // the test's reading, e.g. "p=0.002"
}

// Lock is a held environment lock.
type Lock struct {
	Key     string
	Holder  string
	Since   time.Time
	Expires time.Time
}

// LockedError says who holds a lock; errors.Is(err, ErrLocked) is true.
type LockedError struct {
	Key    string
	Holder string
	Since  time.Time
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("%s is locked by %s since %s", e.Key, e.Holder, e.Since.Local().Format("15:04:05"))
}

// Unwrap lets errors.Is match ErrLocked.
func (e *LockedError) Unwrap() error { return ErrLocked }

// Store is the ledger contract every backend implements.
type Store interface {
	// PutRelease records a new release; ErrExists if image@version is already recorded.
	PutRelease(ctx context.Context, r Release) error
	// Release returns one release; ErrNotFound if unknown.
	Release(ctx context.Context, image, version string) (Release, error)
	// Releases lists an image's releases, newest version first (semver order).
	Releases(ctx context.Context, image string) ([]Release, error)
	// ReleaseByInputs returns the newest validated release built from these inputs; ErrNotFound if none.
	ReleaseByInputs(ctx context.Context, image, inputsDigest string) (Release, error)

	// AppendDeployment records a deployment and returns its id.
	AppendDeployment(ctx context.Context, d Deployment) (int64, error)
	// RecordDeployment records a deployment and, when pin is not nil, the
	// pin change it makes, in one atomic write: both, with their links in
	// the hash chain (the deployment's first), or neither.
	RecordDeployment(ctx context.Context, d Deployment, pin *Pin) (int64, error)
	// CheckWritable reports, changing nothing, whether a write could be
	// recorded now; an error wrapping ErrStorage says why not.
	CheckWritable(ctx context.Context) error
	// Deployments lists deployments of image (in env, if env != ""), newest
	// first: all of history, for the few readers that need all of it.
	Deployments(ctx context.Context, image, env string) ([]Deployment, error)
	// DeploymentPage lists at most q.Limit deployments that q selects,
	// newest first (oldest first with q.After): one page of history, read
	// through an index, so its cost does not grow with history.
	DeploymentPage(ctx context.Context, q DeploymentQuery) ([]Deployment, error)
	// Current returns the newest succeeded deployment of image in env; ErrNotFound if none.
	Current(ctx context.Context, image, env string) (Deployment, error)

	// Lock takes key for holder until ttl passes; a *LockedError if someone else holds it.
	// An expired lock is taken over.
	Lock(ctx context.Context, key, holder string, ttl time.Duration) (Lock, error)
	// Unlock releases a lock taken by Lock (only if still held by the same holder).
	Unlock(ctx context.Context, l Lock) error
	// Holder returns the lock on key as it is stored, expired or not, without
	// taking it; ErrNotFound if nobody holds it.
	Holder(ctx context.Context, key string) (Lock, error)

	// Approve records a manual approval of image@version for env (append-only).
	Approve(ctx context.Context, a Approval) error
	// Approvals lists the approvals of image@version, oldest first.
	Approvals(ctx context.Context, image, version string) ([]Approval, error)
	// Revoke records that image@version must never be promoted again;
	// ErrExists if it is already revoked.
	Revoke(ctx context.Context, r Revocation) error
	// Revocation returns the revocation of image@version; ErrNotFound if none.
	Revocation(ctx context.Context, image, version string) (Revocation, error)

	// SetPin records that image in env is pinned to a version (or, with
	// Pinned false, released from its pin); append-only.
	SetPin(ctx context.Context, p Pin) error
	// Pin returns the latest pin record of image in env; ErrNotFound if none.
	Pin(ctx context.Context, image, env string) (Pin, error)

	// SetFreeze records that env is locked against promotions (or, with
	// Locked false, that the lock is lifted); append-only.
	SetFreeze(ctx context.Context, f Freeze) error
	// Freezes lists the lock and unlock records of env, oldest first; the
	// last one is in force.
	Freezes(ctx context.Context, env string) ([]Freeze, error)

	// RecordAMIRemoval records that every AMI of image@version was
	// deregistered; ErrExists if that is recorded already, ErrNotFound if
	// the release is not.
	RecordAMIRemoval(ctx context.Context, r AMIRemoval) error
	// AMIRemoval returns the AMI removal of image@version; ErrNotFound if none.
	AMIRemoval(ctx context.Context, image, version string) (AMIRemoval, error)

	// ReadChain reads the hash chain and every record of history, for Verify.
	ReadChain(ctx context.Context) (Chain, error)

	Close() error
}

// Approval is a person's go-ahead for a release to enter an environment.
type Approval struct {
	Image   string    `json:"image"`
	Version string    `json:"version"`
	Env     string    `json:"env"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	// Signature is the base64 ed25519 signature of the approval's signed
	// payload (which names the release's digest), made by the approver's
	// key; empty for an approval recorded without one.
	Signature string `json:"signature,omitempty"`
	// SigningKey names the key that made Signature: the sha256 of its public key.
	SigningKey string `json:"signing_key,omitempty"`
}

// Revocation marks a release that may never be promoted again.
type Revocation struct {
	Image   string    `json:"image"`
	Version string    `json:"version"`
	Reason  string    `json:"reason"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	// Signature and SigningKey are as an Approval's: the revoker's
	// signature of its payload, and the id of the key that made it.
	Signature  string `json:"signature,omitempty"`
	SigningKey string `json:"signing_key,omitempty"`
}

// Pin holds an environment on a version after a rollback, so that an
// automatic promotion never undoes it. The latest record of an image in an
// environment is in force.
type Pin struct {
	Image   string    `json:"image"`
	Env     string    `json:"env"`
	Version string    `json:"version"`
	Pinned  bool      `json:"pinned"` // false: released by `bake unpin` or an explicit promote
	Reason  string    `json:"reason"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// IsRollback reports whether kind moved an environment back to an earlier release.
func IsRollback(kind string) bool {
	return kind == KindRollback || kind == KindAutoRollback
}
