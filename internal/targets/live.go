package targets

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/bakehq/bake/internal/ledger"
)

// Plan is what a deployment would do, computed from what runs now.
type Plan struct {
	Strategy string   `json:"strategy"` // config.BlueGreen, config.Rolling or config.Canary
	Reuse    []string `json:"reuse"`    // replicas of the release still running out of traffic (kept warm)
	Restart  []string `json:"restart"`  // stopped replicas of the release, started again
	Start    int      `json:"start"`    // new replicas to create
	Switch   string   `json:"switch"`   // the front door that moves to them
	Keep     string   `json:"keep"`     // what happens to the replaced release: warm, stopped or removed
	Warm     []string `json:"warm"`     // replicas of the replaced release, kept running out of traffic
	Stop     []string `json:"stop"`     // replicas of the replaced release, kept stopped for rollback
	Remove   []string `json:"remove"`   // replicas of older releases (and of the replaced one, with removed)
	// Group is the Auto Scaling group that will serve (asg targets, whose
	// lists name groups, not replicas).
	Group string `json:"group,omitempty"`
	// Steps say what the deployment does, in order, in words.
	Steps []string `json:"steps"`
	// Changes are the objects the deployment would create or change, where
	// the target type can show them (kubernetes: each from a server-side
	// dry run of its apply); nil otherwise.
	Changes []Change `json:"changes,omitempty"`
}

// The actions a Change names.
const (
	ActionCreate = "create"
	ActionUpdate = "update"
	ActionScale  = "scale"
	ActionDelete = "delete"
	ActionKeep   = "keep"
)

// Change is one object a deployment would create, change or delete.
type Change struct {
	Kind   string `json:"kind"`   // the object's kind: Namespace, Deployment, Service
	Name   string `json:"name"`   // its name
	Action string `json:"action"` // create, update, scale, delete or keep
	// Diff is a unified diff of the object's spec, as it is to as it
	// would be; "" when nothing in it changes.
	Diff string `json:"diff,omitempty"`
}

// ErrNoRecovery means a target type cannot recover an interrupted deployment.
var ErrNoRecovery = errors.New("bake does not recover interrupted deployments on this target type")

// Live is what runs for an image in an environment: its replicas, running
// or not, and where the front door sends traffic.
type Live struct {
	Replicas  []Replica `json:"replicas"`
	Upstreams []string  `json:"upstreams"` // nil when the front door has no route
	// Canary are those of Upstreams the front door sends Weight percent of
	// the requests to as a canary (nil: no canary has a share).
	Canary []string `json:"canary,omitempty"`
	Weight int      `json:"weight,omitempty"`
	// Route names what sends the traffic, in the target type's words
	// ("service web"), for String; "" for the front door.
	Route string `json:"route,omitempty"`
}

// Serving returns the distinct running replicas the front door sends
// traffic to, and the upstreams that are none of them.
func (l Live) Serving() (serving []Replica, unknown []string) {
	for _, u := range l.Upstreams {
		i := slices.IndexFunc(l.Replicas, func(r Replica) bool { return r.Running && r.Upstream == u })
		switch {
		case i < 0:
			unknown = append(unknown, u)
		case !slices.ContainsFunc(serving, func(r Replica) bool { return r.ID == l.Replicas[i].ID }):
			serving = append(serving, l.Replicas[i])
		}
	}
	return serving, unknown
}

// ServesOnly reports whether the front door sends traffic to n running
// replicas of digest and to nothing else.
func (l Live) ServesOnly(digest string, n int) bool {
	serving, unknown := l.Serving()
	if len(unknown) > 0 || len(serving) != n {
		return false
	}
	for _, r := range serving {
		if r.Digest != digest {
			return false
		}
	}
	return true
}

// String says where the front door (or Route) sends traffic and which
// replicas run.
func (l Live) String() string {
	var b strings.Builder
	route := cmp.Or(l.Route, "the front door")
	switch serving, unknown := l.Serving(); {
	case l.Upstreams == nil && l.Route == "":
		b.WriteString("the front door has no route")
	case l.Upstreams == nil:
		b.WriteString(route + " sends traffic nowhere")
	default:
		var parts []string
		for _, g := range groupByVersion(serving) {
			parts = append(parts, fmt.Sprintf("%d replica(s) of %s", g.n, g.version))
		}
		if len(unknown) > 0 {
			parts = append(parts, fmt.Sprintf("%d address(es) no running replica has", len(unknown)))
		}
		if len(parts) == 0 {
			parts = []string{"no replica"}
		}
		b.WriteString(route + " sends traffic to " + strings.Join(parts, " and "))
		if len(l.Canary) > 0 {
			fmt.Fprintf(&b, ", %d%% of it to %s as a canary", l.Weight, strings.Join(l.Canary, ", "))
		}
	}
	var running, stopped []string
	for _, g := range groupByVersion(l.Replicas) {
		if g.running > 0 {
			running = append(running, fmt.Sprintf("%d of %s", g.running, g.version))
		}
		if g.n > g.running {
			stopped = append(stopped, fmt.Sprintf("%d of %s", g.n-g.running, g.version))
		}
	}
	if len(running) == 0 {
		running = []string{"none"}
	}
	b.WriteString("; replicas running: " + strings.Join(running, ", "))
	if len(stopped) > 0 {
		b.WriteString("; stopped: " + strings.Join(stopped, ", "))
	}
	return b.String()
}

type versionCount struct {
	version    string
	n, running int
}

func groupByVersion(rs []Replica) []versionCount {
	var out []versionCount
	for _, r := range rs {
		i := slices.IndexFunc(out, func(g versionCount) bool { return g.version == r.Version })
		if i < 0 {
			out = append(out, versionCount{version: r.Version})
			i = len(out) - 1
		}
		out[i].n++
		if r.Running {
			out[i].running++
		}
	}
	return out
}

// Recovery says how Recover converges an image in an environment after a
// deployment was interrupted.
type Recovery struct {
	// Request names the environment, image, target and retention; its
	// Release is what the interrupted deployment brought in.
	Request
	// Finish lets Recover keep Release when the front door already sends
	// traffic only to healthy replicas of it; otherwise Recorded serves.
	Finish bool
	// Previous is the version Release replaced: its replicas are kept as
	// Keep says once Release serves.
	Previous string
	// Recorded is the release the ledger says runs (nil if none), and
	// RecordedPrevious the one it replaced.
	Recorded         *ledger.Release
	RecordedPrevious string
	// Operation is the interrupted bake run: replicas it created that do
	// not serve afterwards are orphans and are removed.
	Operation string
}

// Recovered is what Recover did.
type Recovered struct {
	Finished bool   // Release serves: the interrupted deployment is complete
	Serves   string // the version in traffic afterwards; "" for none
}
