package promote

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/bakehq/bake/internal/ledger"
)

// lockTTL is how long env's lock lasts without renewal: d.LockTTL, or LockTTL.
func (d *Engine) lockTTL() time.Duration {
	if d.LockTTL > 0 {
		return d.LockTTL
	}
	return LockTTL
}

// hold takes env's lock for holder and keeps it while the operation runs:
// it is renewed every third of its TTL, so a slow target never lets it
// expire. The context returned fences every ledger write made with it (a
// write after the lock was taken over is refused with ErrLockLost), and is
// cancelled, with a *ledger.LockLostError as its cause, when a renewal finds
// the lock lost. release stops the renewals and releases the lock.
func (d *Engine) hold(ctx context.Context, env, holder string) (fenced context.Context, lock ledger.Lock, release func(), err error) {
	ttl := d.lockTTL()
	lock, err = d.Store.Lock(ctx, LockKey(env), holder, ttl)
	if err != nil {
		return nil, ledger.Lock{}, nil, err
	}
	held, lose := context.WithCancelCause(ledger.Fenced(ctx, lock))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.renew(held, lock, ttl, stop, lose)
	}()
	release = func() {
		close(stop)
		wg.Wait()
		lose(nil)
		_ = d.Store.Unlock(context.WithoutCancel(ctx), lock)
	}
	return held, lock, release, nil
}

// renew extends lock every ttl/3 until stop is closed. A renewal that finds
// another holder, or a new acquisition (the lock expired between two
// renewals, so another run may have held it meanwhile), calls lose. A
// renewal the ledger does not answer is retried at the next tick: the lock
// still has two thirds of its TTL.
func (d *Engine) renew(ctx context.Context, lock ledger.Lock, ttl time.Duration, stop <-chan struct{}, lose context.CancelCauseFunc) {
	t := time.NewTicker(ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
		}
		got, err := d.Store.Lock(context.WithoutCancel(ctx), lock.Key, lock.Holder, ttl)
		switch {
		case errors.Is(err, ledger.ErrLocked), err == nil && !ledger.SameAcquisition(lock, got):
			d.say("warning: %s expired and was taken over; stopping", lock.Key)
			lose(&ledger.LockLostError{Key: lock.Key, Holder: lock.Holder})
			return
		case err != nil:
			d.say("warning: renewing %s: %v", lock.Key, err)
		}
	}
}

// lockLost adds to err, when the operation's lock was lost while it ran,
// that this is why it stopped.
func lockLost(held context.Context, err error) error {
	cause := context.Cause(held)
	if err == nil || !errors.Is(cause, ledger.ErrLockLost) || errors.Is(err, ledger.ErrLockLost) {
		return err
	}
	return fmt.Errorf("%w; stopped because %w", err, cause)
}
