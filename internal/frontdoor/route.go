package frontdoor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"time"
)

// Route is one front door: a Caddy listening on Listen that proxies to the
// route's current upstreams.
type Route struct {
	// ID names the route, its Caddy server and its proxies, e.g.
	// "bake-demo-prod-hello".
	ID string
	// Listen is the loopback address clients connect to, e.g. "127.0.0.1:8103".
	Listen string
}

// MaxDrain bounds how long Drain waits for requests in flight to upstreams
// taken out of traffic.
const MaxDrain = 10 * time.Second

// validID keeps ids usable as Caddy server ids and in file names.
var validID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

func checkID(id string) error {
	if !validID.MatchString(id) {
		return fmt.Errorf("front door id %q: want letters, digits, '.', '_' or '-'", id)
	}
	return nil
}

func (c *Caddy) setSplit(ctx context.Context, route Route, s Split) error {
	if err := checkLoopback(route.Listen); err != nil {
		return fmt.Errorf("listen address: %w", err)
	}
	if err := s.check(); err != nil {
		return err
	}
	s = s.normal()
	if err := ctx.Err(); err != nil {
		return err
	}
	d, err := c.door(route.ID)
	if err != nil {
		return err
	}
	unlock, err := c.lock(ctx, d)
	if err != nil {
		return err
	}
	defer unlock()

	f, err := readDoor(d)
	if err != nil && !errors.Is(err, ErrNoRoute) {
		return err
	}
	pid := 0
	if err == nil && f.Listen == route.Listen {
		pid = running(ctx, d)
	}
	// A cancelled run must not take a Caddy it could not ask for one that
	// is down: stopping and restarting it would drop the route's traffic.
	if err := ctx.Err(); err != nil {
		return err
	}
	if pid != 0 {
		if err := c.upgrade(ctx, d, f, pid); err != nil {
			return err
		}
		live, err := liveBank(d)
		if err != nil {
			return err
		}
		next := otherBank(live)
		if err := writeBank(d, next, s); err != nil {
			return err
		}
		return setLive(d, next)
	}
	// A new door, one whose Caddy is not running, or one that moves to
	// another address: (re)start its Caddy with the split in bank a.
	if err := stop(ctx, d); err != nil {
		return err
	}
	f = doorFile{ID: route.ID, Listen: route.Listen}
	return c.create(ctx, d, f, s, false)
}

// create writes door d for f with split s in bank a and starts its Caddy.
func (c *Caddy) create(ctx context.Context, d door, f doorFile, s Split, shared bool) error {
	if err := os.MkdirAll(d.dir, 0o700); err != nil {
		return fmt.Errorf("creating front door: %w", err)
	}
	for _, bank := range []string{bankA, bankB} {
		if err := writeBank(d, bank, s); err != nil {
			return err
		}
	}
	if err := setLive(d, bankA); err != nil {
		return err
	}
	if err := writeJSON(d.path(doorFileName), f); err != nil {
		return err
	}
	return c.start(ctx, d, f, shared)
}

// Remove stops the route's Caddy and deletes its door; a missing route is
// not an error.
func (c *Caddy) Remove(ctx context.Context, id string) error {
	if err := c.remove(ctx, id); err != nil {
		return fmt.Errorf("removing front door %q: %w", id, err)
	}
	return nil
}

func (c *Caddy) remove(ctx context.Context, id string) error {
	d, err := c.door(id)
	if err != nil {
		return err
	}
	if _, err := os.Stat(d.dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	unlock, err := c.lock(ctx, d)
	if err != nil {
		return err
	}
	defer unlock()
	if err := stop(ctx, d); err != nil {
		return err
	}
	return os.RemoveAll(d.dir)
}

// Drain waits until no request is in flight to the upstreams route id took
// out of traffic at its last switch, as the door's Caddy counts them, or
// until max passes (then it returns ErrDrainTimeout) or ctx is done. It
// returns at once when the door is not running: nothing is in flight.
func (c *Caddy) Drain(ctx context.Context, id string, max time.Duration) error {
	d, err := c.door(id)
	if err != nil {
		return err
	}
	pid := running(ctx, d)
	if pid == 0 {
		return nil
	}
	live, err := liveBank(d)
	if err != nil {
		return err
	}
	old := otherBank(live)
	deadline := time.Now().Add(max)
	// A request may have chosen the old bank just before the switch and
	// not be counted yet: only two idle readings in a row end the wait.
	idle := 0
	for {
		n, err := inFlight(ctx, d, pid, old)
		if err != nil {
			return fmt.Errorf("draining front door %q: %w", id, err)
		}
		if n == 0 {
			idle++
			if idle == 2 {
				return nil
			}
		} else {
			idle = 0
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("draining front door %q: %w (%d still in flight after %s)", id, ErrDrainTimeout, n, max)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("draining front door %q: %w", id, ctx.Err())
		case <-time.After(drainPoll):
		}
	}
}

// drainPoll is the pause between two readings of the in-flight count.
const drainPoll = 10 * time.Millisecond

// inFlight returns how many requests the door's Caddy has in flight to the
// slots of bank.
func inFlight(ctx context.Context, d door, pid int, bank string) (int, error) {
	var ups []struct {
		Address     string `json:"address"`
		NumRequests int    `json:"num_requests"`
	}
	if err := call(ctx, d, pid, http.MethodGet, "/reverse_proxy/upstreams", nil, &ups); err != nil {
		return 0, err
	}
	n := 0
	for _, u := range ups {
		if b, ok := slotBank(d, u.Address); ok && b == bank {
			n += u.NumRequests
		}
	}
	return n, nil
}

// Stop stops the route's Caddy and keeps its door: the route serves nothing
// until Ensure or SetUpstreams starts it again with the upstreams it had.
func (c *Caddy) Stop(ctx context.Context, id string) error {
	d, err := c.door(id)
	if err != nil {
		return err
	}
	if _, err := readDoor(d); err != nil {
		return fmt.Errorf("stopping front door %q: %w", id, err)
	}
	unlock, err := c.lock(ctx, d)
	if err != nil {
		return err
	}
	defer unlock()
	if err := stop(ctx, d); err != nil {
		return fmt.Errorf("stopping front door %q: %w", id, err)
	}
	return nil
}
