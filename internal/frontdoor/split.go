package frontdoor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Split is how a door shares its requests between the release that serves
// and a canary: Weight percent of them go to the Canary upstreams, the rest
// to the Stable ones.
type Split struct {
	// Stable are the upstreams ("127.0.0.1:PORT") of the release that serves.
	Stable []string `json:"stable"`
	// Canary are the upstreams of the release on trial.
	Canary []string `json:"canary,omitempty"`
	// Weight is the percentage of requests (0 to 100) sent to Canary.
	Weight int `json:"weight,omitempty"`
}

// normal returns s as the door holds it: a split that sends everything one
// way has only Stable (the upstreams in traffic) and Weight 0, so a finished
// or aborted canary reads back as a plain door.
func (s Split) normal() Split {
	switch {
	case s.Weight <= 0:
		return Split{Stable: s.Stable}
	case s.Weight >= 100:
		return Split{Stable: s.Canary}
	}
	return s
}

// check refuses a split that cannot fill a bank.
func (s Split) check() error {
	if s.Weight < 0 || s.Weight > 100 {
		return fmt.Errorf("weight %d: want 0 to 100", s.Weight)
	}
	if s.Weight < 100 && len(s.Stable) == 0 {
		return errors.New("no stable upstreams")
	}
	if s.Weight > 0 && len(s.Canary) == 0 {
		return fmt.Errorf("weight %d and no canary upstreams", s.Weight)
	}
	for _, u := range append(slices.Clone(s.Stable), s.Canary...) {
		if err := checkLoopback(u); err != nil {
			return fmt.Errorf("upstream: %w", err)
		}
	}
	return nil
}

// String names the split for messages: "a, b" or "90% a, b / 10% c".
func (s Split) String() string {
	s = s.normal()
	if len(s.Canary) == 0 {
		return strings.Join(s.Stable, ", ")
	}
	return fmt.Sprintf("%d%% %s / %d%% %s", 100-s.Weight, strings.Join(s.Stable, ", "), s.Weight, strings.Join(s.Canary, ", "))
}

// canarySlots returns how many of a bank's slots a normal split gives the
// canary: Weight percent of them, rounded, at least one. For weights 1 to
// 99 that is 1 to 119 of 120: the stable side always keeps a slot.
func (s Split) canarySlots() int {
	if len(s.Canary) == 0 {
		return 0
	}
	return max(1, (s.Weight*slotsPerBank+50)/100)
}

// slots returns the upstream of each slot of a bank holding the normal
// split s. The canary's slots are spread evenly among the stable ones (slot
// i is the canary's when the running share i*n/slots steps up), so Caddy's
// round robin over the slots interleaves the releases instead of sending
// the canary a burst; each side's slots take its upstreams in turn.
func (s Split) slots() []string {
	n := s.canarySlots()
	out := make([]string, slotsPerBank)
	var stable, canary int
	for i := range out {
		if (i+1)*n/slotsPerBank > i*n/slotsPerBank {
			out[i] = s.Canary[canary%len(s.Canary)]
			canary++
		} else {
			out[i] = s.Stable[stable%len(s.Stable)]
			stable++
		}
	}
	return out
}

// inTraffic returns every distinct upstream of the normal split s, stable
// ones first.
func (s Split) inTraffic() []string {
	var out []string
	for _, u := range append(slices.Clone(s.Stable), s.Canary...) {
		if !slices.Contains(out, u) {
			out = append(out, u)
		}
	}
	return out
}

// SetSplit makes route send Weight percent of its requests to s.Canary and
// the rest to s.Stable. A running door is switched without touching its
// Caddy's config: the bank out of traffic gets the split, then the live
// file names it, so new requests follow the new split while requests
// already running finish where they are (Drain waits for those of the
// upstreams the switch took out of traffic). A door not running yet, or
// listening elsewhere, gets a Caddy of its own started with the split.
// Weight 0 sends everything to Stable, 100 everything to Canary.
func (c *Caddy) SetSplit(ctx context.Context, route Route, s Split) error {
	if err := c.setSplit(ctx, route, s); err != nil {
		return fmt.Errorf("pointing front door %q at %s: %w", route.ID, s, err)
	}
	return nil
}

// SetUpstreams makes route send all its traffic to upstreams
// ("127.0.0.1:PORT"), as SetSplit with only Stable does.
func (c *Caddy) SetUpstreams(ctx context.Context, route Route, upstreams []string) error {
	return c.SetSplit(ctx, route, Split{Stable: upstreams})
}

// CurrentSplit returns the split the route with id sends its traffic by:
// what the bank in traffic holds. A door last given everything one way
// (SetUpstreams, or a split of weight 0 or 100) has only Stable. It returns
// ErrNoRoute if the route has no door, ErrDown if its Caddy is not running.
func (c *Caddy) CurrentSplit(ctx context.Context, id string) (Split, error) {
	d, err := c.door(id)
	if err != nil {
		return Split{}, err
	}
	if _, err := readDoor(d); err != nil {
		return Split{}, fmt.Errorf("front door %q: %w", id, err)
	}
	if running(ctx, d) == 0 {
		return Split{}, fmt.Errorf("front door %q: %w", id, ErrDown)
	}
	live, err := liveBank(d)
	if err != nil {
		return Split{}, fmt.Errorf("front door %q: %w", id, err)
	}
	s, err := readBank(d, live)
	if err != nil {
		return Split{}, fmt.Errorf("front door %q: %w", id, err)
	}
	return s, nil
}

// Upstreams returns every distinct address the route with id currently
// sends traffic to, the stable ones first, ErrNoRoute if it has no door, or
// ErrDown if its Caddy is not running.
func (c *Caddy) Upstreams(ctx context.Context, id string) ([]string, error) {
	s, err := c.CurrentSplit(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.inTraffic(), nil
}
