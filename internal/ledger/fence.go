package ledger

import (
	"context"
	"errors"
	"fmt"
)

// ErrLockLost means a write was made under a lock that is no longer the
// writer's: it expired and another run took it over. Nothing of that write
// was recorded.
var ErrLockLost = errors.New("lock lost")

// LockLostError says which lock a refused write was fenced by;
// errors.Is(err, ErrLockLost) is true.
type LockLostError struct {
	Key    string
	Holder string
}

func (e *LockLostError) Error() string {
	return fmt.Sprintf("%s is no longer held by %s: its lock expired and was taken over", e.Key, e.Holder)
}

// Unwrap lets errors.Is match ErrLockLost.
func (e *LockLostError) Unwrap() error { return ErrLockLost }

type fenceKey struct{}

// Fenced returns ctx carrying l as the fence of every write made with it:
// a backend records such a write only if, in the same transaction, l is
// still the lock on its key, the same holder and the same acquisition
// (Since, which a renewal keeps and a takeover changes). A slow run whose
// lock expired and was taken over thus cannot interleave its records with
// the new holder's. The fence travels in the context so that every write
// of an operation, through any decorator, is fenced without each call
// site passing it on.
func Fenced(ctx context.Context, l Lock) context.Context {
	return context.WithValue(ctx, fenceKey{}, l)
}

// FenceOf returns the lock that fences writes made with ctx, if any.
func FenceOf(ctx context.Context) (Lock, bool) {
	l, ok := ctx.Value(fenceKey{}).(Lock)
	return l, ok
}

// SameAcquisition reports whether held is the acquisition of the lock that
// fence names: the lock's version is its holder and when it was taken.
func SameAcquisition(fence, held Lock) bool {
	return fence.Key == held.Key && fence.Holder == held.Holder && fence.Since.Equal(held.Since)
}
