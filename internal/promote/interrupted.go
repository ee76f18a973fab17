package promote

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/bakehq/bake/internal/ledger"
)

// ErrUnderWay means a live bake holds the environment's lock: its
// operation is under way, not interrupted, and its lock is never broken.
// errors.Is(err, ErrRefused) holds too (exit 3).
var ErrUnderWay error = underWay{}

type underWay struct{}

func (underWay) Error() string        { return "an operation is under way" }
func (underWay) Is(target error) bool { return target == ErrRefused }

// Interruption is a promote or rollback that stopped before it finished
// and whose process is gone: its started record has no outcome after it,
// or it left the environment's lock behind.
type Interruption struct {
	Env      string    `json:"env"`
	Image    string    `json:"image,omitempty"` // "" when the lock it left names no image (gc)
	Kind     string    `json:"kind,omitempty"`
	Version  string    `json:"version,omitempty"`
	Previous string    `json:"previous,omitempty"` // what ran when it started
	By       string    `json:"by"`                 // its holder: user, host, pid, operation
	At       time.Time `json:"at"`                 // when it started
	// Started is its started record; nil when it stopped before recording one.
	Started *ledger.Deployment `json:"started,omitempty"`
	// Outcome is its outcome record when it stopped after recording it
	// (while watching or retiring the release it replaced).
	Outcome *ledger.Deployment `json:"outcome,omitempty"`
	// Lock is the lock it left, if it did.
	Lock *ledger.Lock `json:"-"`
}

// Operation is the id of the interrupted bake run, "" if unknown.
func (it Interruption) Operation() string {
	h, _ := ParseHolder(it.By)
	return h.Operation
}

// String says what was interrupted: kind, release, who, when, and how far it got.
func (it Interruption) String() string {
	what := "an operation"
	if it.Kind != "" {
		what = fmt.Sprintf("%s %s@%s", it.Kind, it.Image, it.Version)
		if it.Previous != "" {
			what += " (replacing " + it.Previous + ")"
		}
	} else if h, ok := ParseHolder(it.By); ok {
		what = h.What
	}
	how := "before it recorded an outcome"
	switch {
	case it.Outcome != nil:
		how = fmt.Sprintf("after it recorded %s, before it finished", it.Outcome.Outcome)
	case it.Started == nil:
		how = "before it recorded anything, leaving " + it.Env + "'s lock"
	}
	by := it.By
	if h, ok := ParseHolder(it.By); ok {
		by = fmt.Sprintf("%s on %s (pid %d)", h.User, h.Host, h.PID)
	}
	return fmt.Sprintf("%s in %q by %s, started %s, was interrupted %s",
		what, it.Env, by, it.At.Local().Format(time.DateTime), how)
}

// Interrupted lists the interrupted operations on env's images, changing
// nothing. When a live bake holds env's lock it returns ErrUnderWay (with
// the lock as a *ledger.LockedError) and no interruption.
func Interrupted(ctx context.Context, store ledger.Store, env string, images []string) ([]Interruption, error) {
	var stale *ledger.Lock
	l, err := store.Holder(ctx, LockKey(env))
	switch {
	case err == nil:
		if !Gone(l, time.Now()) {
			return nil, fmt.Errorf("%w: %w", ErrUnderWay, &ledger.LockedError{Key: l.Key, Holder: l.Holder, Since: l.Since})
		}
		stale = &l
	case !errors.Is(err, ledger.ErrNotFound):
		return nil, err
	}
	return interrupted(ctx, store, env, images, stale)
}

// interrupted finds, for each image, a started record with no outcome
// after it, or one whose holder left the stale lock; and a stale lock that
// no record explains.
func interrupted(ctx context.Context, store ledger.Store, env string, images []string, stale *ledger.Lock) ([]Interruption, error) {
	var out []Interruption
	explained := false
	for _, image := range images {
		started, outcome, err := ledger.NewestStarted(ctx, store, image, env)
		if err != nil {
			return nil, err
		}
		if started == nil {
			continue
		}
		left := stale != nil && started.Reason == stale.Holder
		canary := started.Strategy == ledger.StrategyCanary && outcome == nil
		if canary && stale != nil && continuing(stale.Holder, *started) {
			left = true // a `--continue` or `bake abort` of it stopped midway
		}
		if outcome != nil && !left {
			continue
		}
		if canary && !left {
			// A held canary waits for a person, not for recovery.
			held, err := CanaryUnderWay(ctx, store, image, env)
			if err != nil {
				return nil, err
			}
			if held != nil && held.Held() {
				continue
			}
		}
		if !left && runs(started.Reason, started.StartedAt) {
			continue // its lock expired and was taken over, but it still runs
		}
		it := Interruption{Env: env, Image: image, Kind: started.Kind, Version: started.Version,
			Previous: started.Previous, By: started.Reason, At: started.StartedAt, Started: started, Outcome: outcome}
		if left {
			it.Lock, explained = stale, true
		}
		out = append(out, it)
	}
	if stale != nil && !explained {
		it := Interruption{Env: env, By: stale.Holder, At: stale.Since, Lock: stale}
		if h, ok := ParseHolder(stale.Holder); ok {
			if kind, image, version, ok := h.Deployment(); ok && slices.Contains(images, image) {
				it.Kind, it.Image, it.Version = kind, image, version
			}
		}
		out = append(out, it)
	}
	return out, nil
}

// runs reports whether holder names a process on this host that still runs.
func runs(holder string, since time.Time) bool {
	h, ok := ParseHolder(holder)
	if !ok {
		return false
	}
	host, _ := os.Hostname()
	return h.Host == host && processRuns(h.PID, since)
}
