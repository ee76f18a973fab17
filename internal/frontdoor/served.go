package frontdoor

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Served is one request a door answered, from its access log.
type Served struct {
	// Upstream is the address the request went to ("127.0.0.1:PORT"), empty
	// when it reached none.
	Upstream string
	// Status is the status of the answer.
	Status int
	// Duration is how long the door took to answer.
	Duration time.Duration
	// At is when the answer was complete.
	At time.Time
}

// Served returns every request the route with id sent to a split's bank
// and answered at or after since, in the order its Caddy logged them (a
// door logs only while it is split, see accesslog_switch; one started by
// an older bake, nothing or everything until its next switch). Requests
// in flight when a split ended are there, as they finished. It reads only
// what it has not read yet: this Caddy value keeps what it read of the
// door's access log since the earliest since asked, and a new one (another
// bake process) starts from a position the door's index remembers for a
// time before since.
func (c *Caddy) Served(ctx context.Context, id string, since time.Time) ([]Served, error) {
	d, err := c.door(id)
	if err != nil {
		return nil, err
	}
	if _, err := readDoor(d); err != nil {
		return nil, fmt.Errorf("front door %q: %w", id, err)
	}
	c.servedMu.Lock()
	defer c.servedMu.Unlock()
	if c.served == nil {
		c.served = map[string]*servedWindow{}
	}
	w, err := c.served[d.dir].update(ctx, d, since.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("reading the access log of front door %q: %w", id, err)
	}
	c.served[d.dir] = w
	out := make([]Served, 0, len(w.entries))
	for _, e := range w.entries {
		if e.At.UnixNano() >= since.UnixNano() {
			out = append(out, e)
		}
	}
	return out, nil
}

// servedWindow is what a Caddy value has read of a door's access log:
// every line with a time at or after from that lies before pos, where no
// line has a time later than latest.
type servedWindow struct {
	from    int64
	pos     logPosition
	latest  int64
	entries []Served
}

// servedCache is the part of a Caddy value that remembers access logs read.
type servedCache struct {
	servedMu sync.Mutex
	served   map[string]*servedWindow
}

// update returns w (nil: nothing read yet) extended to the end of the log
// and holding every line at or after since.
func (w *servedWindow) update(ctx context.Context, d door, since int64) (*servedWindow, error) {
	if w == nil || since < w.from {
		// Start again from where the door's index says no line before it
		// has a time at or after since.
		start := startFor(d, since)
		w = &servedWindow{from: since, pos: start.Pos, latest: start.Before}
	} else if since > w.from {
		w.entries = slices.DeleteFunc(w.entries, func(e Served) bool { return e.At.UnixNano() < since })
		w.from = since
	}
	r, err := readLog(ctx, d, w.pos, w.from)
	if err != nil {
		return nil, err
	}
	w.entries = append(w.entries, r.entries...)
	w.pos = r.end
	w.latest = max(w.latest, r.latest)
	remember(d, checkpoint{Pos: w.pos, Before: w.latest})
	return w, nil
}
