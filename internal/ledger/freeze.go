package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// EntryFreeze is the kind of a freeze record in the hash chain.
const EntryFreeze = "freeze"

// Freeze is what `bake lock ENV` and `bake unlock ENV` record: while the
// latest record of an environment has Locked set, promotions into it are
// refused (rollbacks are not), so that nobody ships into an incident.
//
// It is not a Lock: a Lock serialises the operations of bake processes, is
// taken and released by bake itself and expires; a freeze is a decision of
// people, is history (append-only, in the hash chain, with who, when and
// why) and holds until someone lifts it.
type Freeze struct {
	Env    string    `json:"env"`
	Locked bool      `json:"locked"` // false: lifted by `bake unlock`
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// ValidateFreeze checks a freeze record and stamps it with the time if it
// has none.
func ValidateFreeze(f *Freeze) error {
	if f.Env == "" || f.By == "" {
		return errors.New("recording a lock of an environment: env and who are required")
	}
	if f.Locked && f.Reason == "" {
		return fmt.Errorf("recording a lock of %q: a reason is required", f.Env)
	}
	if f.At.IsZero() {
		f.At = time.Now()
	}
	return nil
}

// FreezeEntry is a freeze record's entry in the hash chain.
func FreezeEntry(f Freeze) (Entry, error) {
	f.At = f.At.UTC()
	d, err := digestOf(f)
	return Entry{Kind: EntryFreeze, Key: f.Env, Digest: d}, err
}

// FreezeInForce returns the lock in force on env, nil when env is not locked.
func FreezeInForce(ctx context.Context, s Store, env string) (*Freeze, error) {
	fs, err := s.Freezes(ctx, env)
	if err != nil || len(fs) == 0 || !fs[len(fs)-1].Locked {
		return nil, err
	}
	f := fs[len(fs)-1]
	return &f, nil
}
