package cli

import (
	"errors"
	"strings"

	"github.com/bakehq/bake/internal/awsx"
	"github.com/bakehq/bake/internal/builder"
	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/cst"
	"github.com/bakehq/bake/internal/engine"
	"github.com/bakehq/bake/internal/frontdoor"
	"github.com/bakehq/bake/internal/kubex"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/registry"
	"github.com/bakehq/bake/internal/release"
	"github.com/bakehq/bake/internal/report"
	"github.com/bakehq/bake/internal/secret"
	"github.com/bakehq/bake/internal/signing/keys"
	"github.com/bakehq/bake/internal/targets"
	"github.com/bakehq/bake/internal/version"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitFailed  = 1 // the operation failed
	ExitInput   = 2 // bad input: flags, config, template, unknown name
	ExitRefused = 3 // refused by policy or a lock
	ExitDrift   = 4 // a check found a difference: status --check (what runs differs from the record), verify (history differs from its chain)
)

// ErrUsage marks a mistake in how a command was called.
var ErrUsage = errors.New("usage")

// usageError wraps a flag or argument mistake so it exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }
func (e *usageError) Unwrap() error { return ErrUsage }

// ExitCode maps an error to bake's exit code: the one place that does.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, ErrDrift), errors.Is(err, ErrTampered):
		return ExitDrift
	case errors.Is(err, promote.ErrRefused), errors.Is(err, ledger.ErrLocked), errors.Is(err, ledger.ErrLockLost):
		return ExitRefused
	case errors.Is(err, targets.ErrUnreachable):
		// A target's check refuses as bad input what it cannot run, but a
		// cluster that does not answer is a failure: the input may be right.
		return ExitFailed
	case errors.Is(err, ErrUsage), errors.Is(err, config.ErrInvalid), errors.Is(err, version.ErrInvalid),
		errors.Is(err, ledger.ErrExists), errors.Is(err, ledger.ErrNotFound),
		errors.Is(err, ledger.ErrNoLedger), errors.Is(err, ledger.ErrUnusable), errors.Is(err, promote.ErrUnknown),
		errors.Is(err, promote.ErrNeverRan), errors.Is(err, builder.ErrTemplate), errors.Is(err, release.ErrNoBase),
		errors.Is(err, engine.ErrUnreachable), errors.Is(err, report.ErrInvalid),
		errors.Is(err, cst.ErrInvalid), errors.Is(err, secret.ErrInvalid), errors.Is(err, keys.ErrInvalidKey),
		errors.Is(err, registry.ErrCredentials), errors.Is(err, registry.ErrTLS), errors.Is(err, frontdoor.ErrStateDir),
		errors.Is(err, targets.ErrNoLogs), errors.Is(err, kubex.ErrKubeconfig), errors.Is(err, awsx.ErrNoCredentials):
		return ExitInput
	}
	return ExitFailed
}

// Message renders an error as the one line bake prints, with a hint where
// one helps.
func Message(err error) string {
	msg := "bake: " + strings.TrimSpace(err.Error())
	if errors.Is(err, engine.ErrUnreachable) {
		msg += "\nhint: start Docker (`sudo systemctl start docker`, or run `dockerd`), or set DOCKER_HOST to an engine that runs"
	}
	if errors.Is(err, kubex.ErrKubeconfig) {
		msg += "\nhint: name a kubeconfig and a context of it with kubeconfig: and context: in the target in bake.yaml, or set KUBECONFIG; `kubectl config get-contexts` lists the contexts"
	}
	return msg
}
