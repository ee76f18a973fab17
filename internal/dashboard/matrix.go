package dashboard

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
	"github.com/bakehq/bake/internal/probe"
	"github.com/bakehq/bake/internal/promote"
	"github.com/bakehq/bake/internal/status"
)

// Matrix is the dashboard's main view: every image in every environment,
// the record and what runs, with the environments' locks.
type Matrix struct {
	Project      string   `json:"project"`
	Environments []string `json:"environments"`
	Images       []Row    `json:"images"`
	Locks        []Lock   `json:"locks"`
	// Drifted and Interrupted say whether any cell drifted from the record
	// or has an interrupted operation: what the page highlights first.
	Drifted     bool      `json:"drifted"`
	Interrupted bool      `json:"interrupted"`
	ReadAt      time.Time `json:"read_at"`
}

// Row is one image across the environments.
type Row struct {
	Image        string `json:"image"`
	Latest       string `json:"latest_release,omitempty"`
	OutdatedBase string `json:"outdated_base,omitempty"`
	Cells        []Cell `json:"cells"` // in the environments' order; an environment without a target has none
}

// Cell is an image in one environment, as `bake status` reads it, with its
// health and the releases kept for rollback.
type Cell struct {
	status.Env
	Notes  []string `json:"notes"` // the target's own lines about what runs
	Health Health   `json:"health"`
	// Warm are the versions whose replicas run out of traffic, Stopped
	// those whose replicas are kept stopped: what a rollback restarts.
	Warm    []string `json:"warm"`
	Stopped []string `json:"stopped"`
}

// Health is whether an environment's release answers as it should.
type Health struct {
	State  string `json:"state"` // healthy, unhealthy, unknown, or none (nothing recorded)
	Detail string `json:"detail"`
}

// Health states.
const (
	Healthy   = "healthy"
	Unhealthy = "unhealthy"
	Unknown   = "unknown"
	None      = "none"
)

// Lock is an environment's lock: an operation under way, one a crashed
// bake left behind, or a freeze (`bake lock ENV --reason`) that refuses
// promotions until `bake unlock`.
type Lock struct {
	Env     string    `json:"env"`
	Holder  string    `json:"holder"`
	What    string    `json:"what,omitempty"` // the operation, when the holder names it
	Since   time.Time `json:"since"`
	Expires time.Time `json:"expires"`
	Stale   bool      `json:"stale"` // its process is gone: `bake recover ENV` clears it
	// Frozen is set for a freeze, with its reason.
	Frozen bool   `json:"frozen"`
	Reason string `json:"reason,omitempty"`
}

// probeTimeout bounds a health probe through the front door: the page
// refreshes every few seconds and must not wait on a slow service.
const probeTimeout = time.Second

// Matrix reads the record and what runs, the way `bake status` does.
func (s *Source) Matrix(ctx context.Context) (Matrix, error) {
	store, err := s.Store(ctx)
	if err != nil {
		return Matrix{}, err
	}
	p := s.Project
	res, err := status.Compose(ctx, status.Request{Project: p, Store: store, Observe: s.Observe})
	if err != nil {
		return Matrix{}, err
	}
	m := Matrix{Project: p.Name, Environments: []string{}, Images: []Row{}, Locks: []Lock{}, ReadAt: time.Now().UTC()}
	for _, env := range p.Environments {
		m.Environments = append(m.Environments, env.Name)
	}
	var probes sync.WaitGroup
	for _, st := range res.Images {
		row := Row{Image: st.Image, Latest: st.Latest, OutdatedBase: st.OutdatedBase, Cells: make([]Cell, len(st.Environments))}
		for i, es := range st.Environments {
			c := &row.Cells[i]
			c.Env, c.Notes = es, es.Lines
			if c.Notes == nil {
				c.Notes = []string{}
			}
			c.Warm, c.Stopped = kept(es)
			c.Health = health(es)
			m.Drifted = m.Drifted || len(es.Drift) > 0
			m.Interrupted = m.Interrupted || es.Interrupted != ""
			if c.Health.State == Healthy {
				if check, port := s.probeOf(st.Image, es); check != nil {
					probes.Go(func() { c.Health = probeHealth(ctx, p.Image(st.Image), es, check, port) })
				}
			}
		}
		m.Images = append(m.Images, row)
	}
	probes.Wait()
	if m.Locks, err = locks(ctx, store, p); err != nil {
		return Matrix{}, err
	}
	return m, nil
}

// kept lists the versions other than the current one that have replicas:
// running (kept warm) or stopped (kept for a quick rollback). A canary's
// replicas serve their share of requests: they are not kept for rollback.
func kept(es status.Env) (warm, stopped []string) {
	warm, stopped = []string{}, []string{}
	for _, r := range es.Replicas {
		if r.Version == es.Version || es.Canary != nil && r.Version == es.Canary.Version {
			continue
		}
		if r.Running && !slices.Contains(warm, r.Version) {
			warm = append(warm, r.Version)
		}
		if !r.Running && !slices.Contains(stopped, r.Version) {
			stopped = append(stopped, r.Version)
		}
	}
	return warm, stopped
}

// health judges an environment from what runs; a cell judged healthy is
// then asked through its front door when the image has an http check.
func health(es status.Env) Health {
	if es.LiveUnavailable != "" {
		return Health{Unknown, "what runs could not be read: " + es.LiveUnavailable}
	}
	if es.Version == "" {
		return Health{None, "no release recorded"}
	}
	running, total := 0, 0
	for _, r := range es.Replicas {
		if r.Version == es.Version {
			total++
			if r.Running {
				running++
			}
		}
	}
	if running == 0 {
		return Health{Unhealthy, fmt.Sprintf("no replica of %s runs", es.Version)}
	}
	return Health{Healthy, fmt.Sprintf("%d of %d replicas of %s run", running, total, es.Version)}
}

// probeOf returns the image's http check and the front door's port, or nil
// when there is nothing to ask (no http check, or no front door on loopback).
func (s *Source) probeOf(image string, es status.Env) (*config.HTTPCheck, int) {
	img := s.Project.Image(image)
	if img == nil || es.Listen == "" {
		return nil, 0
	}
	check := img.HealthCheck()
	host, port, ok := strings.Cut(es.Listen, ":")
	n, err := strconv.Atoi(port)
	if check == nil || !ok || host != "127.0.0.1" || err != nil {
		return nil, 0
	}
	return check.HTTP, n
}

// probeHealth asks the front door once, briefly, with the image's own
// health check, for the version the ledger says runs.
func probeHealth(ctx context.Context, img *config.Image, es status.Env, check *config.HTTPCheck, port int) Health {
	hc := *check
	hc.Timeout = probeTimeout
	answer, err := probe.CheckHTTP(ctx, port, &hc, probe.Data{Image: img.Name, Version: es.Version, Vars: img.Vars})
	if err != nil {
		return Health{Unhealthy, err.Error()}
	}
	return Health{Healthy, answer}
}

// locks reads each environment's lock, as promote takes it.
func locks(ctx context.Context, store ledger.Store, p *config.Project) ([]Lock, error) {
	out := []Lock{}
	now := time.Now()
	for _, env := range p.Environments {
		fr, err := ledger.FreezeInForce(ctx, store, env.Name)
		if err != nil {
			return nil, err
		}
		if fr != nil {
			out = append(out, Lock{Env: env.Name, Holder: fr.By, Since: fr.At, Frozen: true, Reason: fr.Reason})
		}
		l, err := store.Holder(ctx, promote.LockKey(env.Name))
		if errors.Is(err, ledger.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		lk := Lock{Env: env.Name, Holder: l.Holder, Since: l.Since, Expires: l.Expires, Stale: promote.Gone(l, now)}
		if h, ok := promote.ParseHolder(l.Holder); ok {
			lk.Holder, lk.What = fmt.Sprintf("%s on %s (pid %d)", h.User, h.Host, h.PID), h.What
		}
		out = append(out, lk)
	}
	return out, nil
}
