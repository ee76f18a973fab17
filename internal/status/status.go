// Package status composes what `bake status` shows: for each image, its
// newest release and, in each environment, the recorded release, any
// interrupted operation, what runs and how it differs from the record, and
// whether a release was built FROM an outdated base. It decides whether
// `bake status --check` fails; rendering is the caller's.
package status

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/targets"
)

// ErrDrift means what runs differs from the record, or an operation was
// interrupted (exit 4 with status --check).
var ErrDrift = errors.New("drift")

// Image is one image's entry in the status document.
type Image struct {
	Image        string `json:"image"`
	Latest       string `json:"latest_release,omitempty"`
	Environments []Env  `json:"environments"`
	// OutdatedBase names the newer base release when the latest release was
	// built FROM an older one.
	OutdatedBase string `json:"outdated_base,omitempty"`
}

// Env is an image in one environment: the record and what runs.
type Env struct {
	Env     string `json:"env"`
	Version string `json:"version,omitempty"`
	Digest  string `json:"digest,omitempty"`
	// Reference is where the environment pulls its release from when that
	// is its own registry: the release's copy there, by the same digest.
	Reference string            `json:"reference,omitempty"`
	Since     *time.Time        `json:"since,omitempty"`
	By        string            `json:"by,omitempty"`
	Listen    string            `json:"listen"`
	Replicas  []targets.Replica `json:"replicas"`
	Upstreams []string          `json:"upstreams"`
	// OutdatedBase names the newer base release when the running release was
	// built FROM an older one.
	OutdatedBase string `json:"outdated_base,omitempty"`
	// Revoked says why the running release was revoked: it should not run.
	Revoked string `json:"revoked,omitempty"`
	// Previous is the release the running one replaced.
	Previous string `json:"previous,omitempty"`
	// Pinned is set while a rollback holds the environment on its release.
	Pinned *ledger.Pin `json:"pinned,omitempty"`
	// Locked is the lock (`bake lock`) that refuses promotions into the
	// environment, while it holds.
	Locked *ledger.Freeze `json:"locked,omitempty"`
	// Drift lists every difference between the record and what runs.
	Drift []string `json:"drift,omitempty"`
	// Detail is the target type's own view of what runs (an asg target's
	// Auto Scaling groups), and Lines describe it, one line each.
	Detail any      `json:"detail,omitempty"`
	Lines  []string `json:"-"`
	// Interrupted says which promote or rollback was interrupted there,
	// until `bake recover ENV` (or the next promote or rollback) converges.
	Interrupted string `json:"interrupted,omitempty"`
	// Canary is a canary under way there (running or held), beside the
	// recorded release.
	Canary *Canary `json:"canary,omitempty"`
	// LiveUnavailable says why what runs could not be read (the engine, the
	// front door or AWS did not answer): the entry shows the record alone,
	// and drift is unknown.
	LiveUnavailable string `json:"live_unavailable,omitempty"`
}

// Request says whose status to compose.
type Request struct {
	Project *config.Project
	Images  []*config.Image // nil: every image of Project
	Store   ledger.Store
	// Observe reads what runs for one image in one environment and compares
	// it with the record; the error says why what runs could not be read.
	Observe func(context.Context, targets.Observation) (targets.State, error)
}

// Result is the status document and what `--check` decides of it.
type Result struct {
	Images []Image
	// Drifted: some environment drifted from the record or has an
	// interrupted operation. Unavailable: some live state could not be read.
	Drifted, Unavailable bool
	// unavailable is the first reason live state could not be read, kept
	// whole so the exit code still tells an unreachable engine (bad input)
	// from a failed read.
	unavailable error
}

// Compose reads the record, the interrupted operations and what runs.
func Compose(ctx context.Context, req Request) (Result, error) {
	p := req.Project
	images := req.Images
	if images == nil {
		images = p.Images
	}
	store := req.Store
	bases := newBaseCheck(ctx, store)
	interrupted, err := interruptedByEnv(ctx, store, p)
	if err != nil {
		return Result{}, err
	}
	locks := map[string]*ledger.Freeze{}
	for _, env := range p.Environments {
		if locks[env.Name], err = ledger.FreezeInForce(ctx, store, env.Name); err != nil {
			return Result{}, err
		}
	}
	var res Result
	for _, img := range images {
		st := Image{Image: img.Name, Environments: []Env{}}
		if rels, err := store.Releases(ctx, img.Name); err == nil && len(rels) > 0 {
			st.Latest = rels[0].Version + " (" + rels[0].Status + ")"
			st.OutdatedBase = bases.newer(rels[0].Base)
		}
		for _, env := range p.Environments {
			tgt, ok := env.Targets[img.Name]
			if !ok {
				continue
			}
			es := Env{Env: env.Name, Listen: tgt.Listen, Replicas: []targets.Replica{}, Upstreams: []string{},
				Locked: locks[env.Name]}
			for _, it := range interrupted[env.Name] {
				if it.Image == img.Name || it.Image == "" {
					es.Interrupted = it.String()
					res.Drifted = true
				}
			}
			canary, err := canaryOf(ctx, store, img.Name, env)
			if err != nil {
				return Result{}, err
			}
			if es.Interrupted == "" {
				es.Canary = canary // an interrupted one is said as such
			}
			cur, err := store.Current(ctx, img.Name, env.Name)
			switch {
			case err == nil:
				since := cur.FinishedAt
				es.Version, es.Digest, es.Since, es.By = cur.Version, cur.Digest, &since, cur.By
				es.Reference = cur.Reference
				if rel, err := store.Release(ctx, img.Name, cur.Version); err == nil {
					es.OutdatedBase = bases.newer(rel.Base)
				}
				if rev, err := store.Revocation(ctx, img.Name, cur.Version); err == nil {
					es.Revoked = rev.Reason
				}
				es.Previous = cur.Previous
				if pin, err := store.Pin(ctx, img.Name, env.Name); err == nil && pin.Pinned {
					es.Pinned = &pin
				}
			case !errors.Is(err, ledger.ErrNotFound):
				return Result{}, err
			}
			live, err := req.Observe(ctx, targets.Observation{Env: env.Name, Image: img.Name, Target: tgt,
				Version: es.Version, Digest: es.Digest, Previous: es.Previous, Keep: env.Retention.Previous, Canary: canaryDigest(canary)})
			if err != nil {
				es.LiveUnavailable = err.Error()
				res.Unavailable = true
				if res.unavailable == nil {
					res.unavailable = err
				}
			} else {
				if live.Replicas != nil {
					es.Replicas = live.Replicas
				}
				if live.Upstreams != nil {
					es.Upstreams = live.Upstreams
				}
				es.Detail, es.Lines, es.Drift = live.Detail, live.Lines, live.Drift
				res.Drifted = res.Drifted || len(es.Drift) > 0
			}
			st.Environments = append(st.Environments, es)
		}
		res.Images = append(res.Images, st)
	}
	return res, nil
}

// Err is what `bake status --check` decides: nil when what runs matches the
// record; an error when some live state could not be read; ErrDrift when
// an environment drifted or has an interrupted operation.
func (r Result) Err() error {
	if r.Unavailable {
		return fmt.Errorf("checking for drift: live state unavailable (see above): %w", r.firstUnavailable())
	}
	if r.Drifted {
		return fmt.Errorf("%w: what runs differs from the record, or an operation was interrupted (see above)", ErrDrift)
	}
	return nil
}

// firstUnavailable is the first reason the live state could not be read.
func (r Result) firstUnavailable() error {
	if r.unavailable != nil {
		return r.unavailable
	}
	for _, st := range r.Images {
		for _, es := range st.Environments {
			if es.LiveUnavailable != "" {
				return errors.New(es.LiveUnavailable)
			}
		}
	}
	return nil
}

// interruptedByEnv finds the interrupted operations of each environment.
func interruptedByEnv(ctx context.Context, store ledger.Store, p *config.Project) (map[string][]promote.Interruption, error) {
	out := map[string][]promote.Interruption{}
	for _, env := range p.Environments {
		images := make([]string, 0, len(env.Targets))
		for name := range env.Targets {
			images = append(images, name)
		}
		slices.Sort(images)
		ints, err := promote.Interrupted(ctx, store, env.Name, images)
		if errors.Is(err, promote.ErrUnderWay) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[env.Name] = ints
	}
	return out, nil
}

// baseCheck tells whether a release's base (image@version) has a newer
// validated release, reading each base image's releases once.
type baseCheck struct {
	ctx    context.Context
	store  ledger.Store
	newest map[string]string // base image -> newest validated version
}

func newBaseCheck(ctx context.Context, store ledger.Store) *baseCheck {
	return &baseCheck{ctx: ctx, store: store, newest: map[string]string{}}
}

// newer returns "image@version" of the newer base release, or "".
func (b *baseCheck) newer(base string) string {
	image, version, ok := strings.Cut(base, "@")
	if !ok {
		return ""
	}
	newest, seen := b.newest[image]
	if !seen {
		if rels, err := b.store.Releases(b.ctx, image); err == nil {
			for _, r := range rels {
				if r.Status == ledger.StatusValidated {
					newest = r.Version
					break
				}
			}
		}
		b.newest[image] = newest
	}
	if newest == "" || newest == version {
		return ""
	}
	return image + "@" + newest
}

// Unrecorded is the status of a project with no ledger yet: every image's
// environments, with nothing recorded and so nothing running that bake put there.
func Unrecorded(p *config.Project, images []*config.Image) Result {
	if images == nil {
		images = p.Images
	}
	var res Result
	for _, img := range images {
		st := Image{Image: img.Name, Environments: []Env{}}
		for _, env := range p.Environments {
			if tgt, ok := env.Targets[img.Name]; ok {
				st.Environments = append(st.Environments, Env{Env: env.Name, Listen: tgt.Listen,
					Replicas: []targets.Replica{}, Upstreams: []string{}})
			}
		}
		res.Images = append(res.Images, st)
	}
	return res
}
