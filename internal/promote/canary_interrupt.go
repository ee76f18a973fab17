package promote

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
)

// interruptWait bounds how long `bake abort` waits for the bake running a
// canary to abort it after a Ctrl-C: sending every request back and
// removing the canary's replicas, drain included, takes seconds.
const interruptWait = 30 * time.Second

// interruptRun has the bake that runs canary s (and holds env's lock, as
// locked says) abort it, as an operator at its terminal would: it sends
// that process a Ctrl-C (SIGINT), whose handling sends every request back,
// removes the canary and records it, then waits, at most interruptWait,
// for the lock to be free and holds it as holder. A holder that is not
// that canary's run, or runs on another host, is refused (ErrLocked).
func (d *Engine) interruptRun(ctx context.Context, env *config.Environment, s ledger.Deployment, holder, why string, locked error) (context.Context, func(), error) {
	var le *ledger.LockedError
	if !errors.As(locked, &le) {
		return nil, nil, locked
	}
	h, ok := ParseHolder(le.Holder)
	kind, image, version, isDeploy := h.Deployment()
	if !ok || !isDeploy || kind != ledger.KindPromote || image != s.Image || version != s.Version {
		// Not the canary's run (a recover, another deployment): nothing
		// to interrupt on its behalf.
		return nil, nil, fmt.Errorf("aborting the canary of %s@%s in %q: %w", s.Image, s.Version, env.Name, locked)
	}
	host, _ := os.Hostname()
	if h.Host != host || host == "" {
		return nil, nil, refusedLocked(fmt.Sprintf("aborting the canary of %s@%s in %q: the bake running it is on host %s (pid %d): press Ctrl-C there, or run `bake abort %s --env %s` on %s",
			s.Image, s.Version, env.Name, h.Host, h.PID, s.Image, env.Name, h.Host))
	}
	if !processRuns(h.PID, le.Since) {
		return nil, nil, fmt.Errorf("aborting the canary of %s@%s in %q: %w: its holder (pid %d) has stopped; run `bake recover %s` to end the canary",
			s.Image, s.Version, env.Name, locked, h.PID, env.Name)
	}
	// The note outlives the wait only as long as the running bake needs it.
	defer d.leaveAbortNote(h.Operation, why, h.PID)()
	if err := syscall.Kill(h.PID, syscall.SIGINT); err != nil {
		return nil, nil, fmt.Errorf("aborting the canary of %s@%s in %q: sending Ctrl-C to the bake running it (pid %d): %v: %w",
			s.Image, s.Version, env.Name, h.PID, err, ledger.ErrLocked)
	}
	d.say("sent Ctrl-C to the bake running the canary of %s@%s in %q (pid %d): waiting up to %s for it to send every request back and let go of %q",
		s.Image, s.Version, env.Name, h.PID, interruptWait, env.Name)
	deadline := time.Now().Add(interruptWait)
	for {
		held, _, release, err := d.hold(ctx, env.Name, holder)
		if err == nil {
			return held, release, nil
		}
		if !errors.Is(err, ledger.ErrLocked) {
			return nil, nil, fmt.Errorf("aborting the canary of %s@%s in %q: %w", s.Image, s.Version, env.Name, err)
		}
		if !processRuns(h.PID, le.Since) {
			// It ended without letting go (killed while aborting, say).
			return nil, nil, fmt.Errorf("%w: aborting the canary of %s@%s in %q: the bake running it (pid %d) stopped after its Ctrl-C without releasing %q; run `bake recover %s`",
				ErrFailed, s.Image, s.Version, env.Name, h.PID, env.Name, env.Name)
		}
		if !time.Now().Before(deadline) {
			return nil, nil, fmt.Errorf("%w: aborting the canary of %s@%s in %q: the bake running it (pid %d) still holds %q %s after its Ctrl-C; look at its terminal, or run `bake abort %s --env %s` again",
				ErrFailed, s.Image, s.Version, env.Name, h.PID, env.Name, interruptWait, s.Image, env.Name)
		}
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// interruptedOutcome is what the run of canary s recorded as it let go
// after its Ctrl-C: aborted (failed) when it sent every request back; an
// error saying so when it had finished first.
func (d *Engine) interruptedOutcome(ctx context.Context, env *config.Environment, s ledger.Deployment) (*Result, error) {
	deps, err := d.Store.Deployments(ctx, s.Image, env.Name)
	if err != nil {
		return nil, err
	}
	for _, dep := range deps {
		if !ledger.Finishes(dep, s) {
			continue
		}
		d.say("the bake running it recorded %s@%s %s in %q: %s", dep.Image, dep.Version, dep.Outcome, env.Name, orNothing(dep.Reason))
		if dep.Outcome != ledger.OutcomeFailed {
			return nil, fmt.Errorf("%w: the canary of %s@%s in %q finished (%s) before it could be aborted; `bake rollback %s --env %s` goes back",
				ErrFailed, s.Image, s.Version, env.Name, dep.Outcome, s.Image, env.Name)
		}
		return &Result{Deployment: dep, Aborted: true}, nil
	}
	return nil, fmt.Errorf("%w: the bake running the canary of %s@%s in %q let go of it without recording its end; run `bake recover %s`",
		ErrFailed, s.Image, s.Version, env.Name, env.Name)
}

// lockedRefusal is a refusal because of a lock, said in words of its own
// (errors.Is(err, ledger.ErrLocked) holds, for the exit code).
type lockedRefusal string

func refusedLocked(msg string) error { return lockedRefusal(msg) }

func (e lockedRefusal) Error() string { return string(e) }
func (e lockedRefusal) Unwrap() error { return ledger.ErrLocked }
