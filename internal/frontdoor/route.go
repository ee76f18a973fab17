package frontdoor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"time"
)

// Route is one front door: a Caddy HTTP server listening on Listen whose only
// route proxies to the current upstreams.
type Route struct {
	// ID names both the Caddy server and its reverse_proxy handler ("@id"),
	// e.g. "bake-demo-prod-hello".
	ID string
	// Listen is the loopback address clients connect to, e.g. "127.0.0.1:8103".
	Listen string
}

// DrainDelay is how long to keep the previous upstreams running after
// SetUpstreams returns: connections Caddy accepted just before the switch
// may still send a request or two to them.
const DrainDelay = 2 * time.Second

// validID keeps ids usable as one admin API path segment.
var validID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

func checkID(id string) error {
	if !validID.MatchString(id) {
		return fmt.Errorf("front door id %q: want letters, digits, '.', '_' or '-'", id)
	}
	return nil
}

// SetUpstreams makes route send its traffic to upstreams ("127.0.0.1:PORT").
// When ReloadFree, an existing route with as many upstreams is switched by
// rewriting its upstream files, without touching Caddy's config; otherwise
// the upstream files are written first and the server is created or replaced
// in one admin request. Without ReloadFree, the upstreams are changed in the
// config with one admin request. Either way new requests go to the new
// upstreams while requests already running finish on the old ones.
func (c *Caddy) SetUpstreams(ctx context.Context, route Route, upstreams []string) error {
	if err := c.setUpstreams(ctx, route, upstreams); err != nil {
		return fmt.Errorf("pointing front door %q at %v: %w", route.ID, upstreams, err)
	}
	return nil
}

func (c *Caddy) setUpstreams(ctx context.Context, route Route, upstreams []string) error {
	if err := checkID(route.ID); err != nil {
		return err
	}
	if err := checkLoopback(route.Listen); err != nil {
		return fmt.Errorf("listen address: %w", err)
	}
	if len(upstreams) == 0 {
		return errors.New("no upstreams")
	}
	for _, u := range upstreams {
		if err := checkLoopback(u); err != nil {
			return fmt.Errorf("upstream: %w", err)
		}
	}
	if c.ReloadFree() {
		return c.setSlots(ctx, route, upstreams)
	}

	// Creating uses PUT, which fails when another bake created the same path
	// first; reading again then finds it and switches it instead.
	var err error
	for range 3 {
		var apps httpApps
		if apps, err = c.readApps(ctx); err != nil {
			return err
		}
		if cur, ok := apps.servers[route.ID]; ok {
			return c.switchUpstreams(ctx, route, cur, upstreams)
		}
		if err = c.createServer(ctx, apps, route, newServer(route, upstreams)); err == nil {
			return nil
		}
	}
	return err
}

// setSlots switches route by rewriting its upstream files when its server
// already dials exactly those slots, else writes the files and then creates
// or replaces the server, so no config ever names a missing file.
func (c *Caddy) setSlots(ctx context.Context, route Route, upstreams []string) error {
	dir, err := c.slotDir(route.ID)
	if err != nil {
		return err
	}
	want := newServer(route, slotDials(dir, len(upstreams)))
	for range 3 {
		var apps httpApps
		if apps, err = c.readApps(ctx); err != nil {
			return err
		}
		cur, exists := apps.servers[route.ID]
		if err = writeSlots(dir, upstreams); err != nil {
			return err
		}
		if exists && sameJSON(cur, want) {
			return nil
		}
		if exists {
			err = c.call(ctx, http.MethodPatch, serverPath(route.ID), want, nil)
		} else {
			err = c.createServer(ctx, apps, route, want)
		}
		if err == nil {
			return trimSlots(dir, len(upstreams))
		}
		if exists {
			return err
		}
	}
	return err
}

// switchUpstreams updates an existing server in one request: only the
// upstreams when nothing else differs, else the whole server.
func (c *Caddy) switchUpstreams(ctx context.Context, route Route, cur json.RawMessage, upstreams []string) error {
	if onlyUpstreamsDiffer(cur, route) {
		return c.call(ctx, http.MethodPatch, "/id/"+route.ID+"/upstreams", toUpstreams(upstreams), nil)
	}
	return c.call(ctx, http.MethodPatch, serverPath(route.ID), newServer(route, upstreams), nil)
}

// createServer adds srv under the deepest of apps/http/servers that exists,
// creating the missing parents in the same request.
func (c *Caddy) createServer(ctx context.Context, apps httpApps, route Route, srv server) error {
	servers := map[string]any{route.ID: srv}
	// No grace_period: Caddy 2.6 cancels it as soon as a reload returns, which
	// only logs errors; unset, replaced servers finish their requests.
	httpApp := map[string]any{"servers": servers}
	switch {
	case apps.hasServers:
		return c.call(ctx, http.MethodPut, serverPath(route.ID), srv, nil)
	case apps.hasHTTP:
		return c.call(ctx, http.MethodPut, "/config/apps/http/servers", servers, nil)
	case apps.hasApps:
		return c.call(ctx, http.MethodPut, "/config/apps/http", httpApp, nil)
	default:
		return c.call(ctx, http.MethodPut, "/config/apps", map[string]any{"http": httpApp}, nil)
	}
}

// Upstreams returns the addresses the route with id currently sends traffic
// to, reading its upstream files where it has them, or ErrNoRoute.
func (c *Caddy) Upstreams(ctx context.Context, id string) ([]string, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	var ups []upstream
	err := c.call(ctx, http.MethodGet, "/id/"+id+"/upstreams", nil, &ups)
	if hasStatus(err, http.StatusNotFound) || (err == nil && ups == nil) {
		return nil, fmt.Errorf("front door %q: %w", id, ErrNoRoute)
	}
	if err != nil {
		return nil, fmt.Errorf("reading front door %q upstreams: %w", id, err)
	}
	addrs := toDials(ups)
	for i, dial := range addrs {
		if addrs[i], err = readDial(dial); err != nil {
			return nil, fmt.Errorf("reading front door %q upstreams: %w", id, err)
		}
	}
	return addrs, nil
}

// Remove deletes the route's server and then its upstream files; a missing
// route is not an error.
func (c *Caddy) Remove(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	apps, err := c.readApps(ctx)
	if err != nil {
		return fmt.Errorf("removing front door %q: %w", id, err)
	}
	dirs := map[string]bool{}
	if dir, err := c.slotDir(id); err == nil {
		dirs[dir] = true
	}
	if cur, ok := apps.servers[id]; ok {
		// The files may live in another state dir than c's (or c has none).
		for _, d := range serverDials(cur) {
			if dir, ok := slotDirOf(d, id); ok {
				dirs[dir] = true
			}
		}
		if err := c.call(ctx, http.MethodDelete, serverPath(id), nil, nil); err != nil {
			return fmt.Errorf("removing front door %q: %w", id, err)
		}
	}
	var errs []error
	for dir := range dirs {
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("removing front door %q upstream files: %w", id, err)
	}
	return nil
}

func serverPath(id string) string {
	return "/config/apps/http/servers/" + id
}

// httpApps is what exists of apps/http/servers in Caddy's config.
type httpApps struct {
	hasApps, hasHTTP, hasServers bool
	servers                      map[string]json.RawMessage
}

// readApps reads /config/apps, which answers null rather than an error
// when Caddy has no apps yet.
func (c *Caddy) readApps(ctx context.Context) (httpApps, error) {
	var apps map[string]json.RawMessage
	if err := c.call(ctx, http.MethodGet, "/config/apps", nil, &apps); err != nil {
		return httpApps{}, err
	}
	var state httpApps
	state.hasApps = apps != nil
	rawHTTP, ok := apps["http"]
	if !ok {
		return state, nil
	}
	var httpApp map[string]json.RawMessage
	if err := json.Unmarshal(rawHTTP, &httpApp); err != nil {
		return httpApps{}, fmt.Errorf("decoding caddy apps/http: %w", err)
	}
	state.hasHTTP = httpApp != nil
	rawServers, ok := httpApp["servers"]
	if !ok {
		return state, nil
	}
	if err := json.Unmarshal(rawServers, &state.servers); err != nil {
		return httpApps{}, fmt.Errorf("decoding caddy apps/http/servers: %w", err)
	}
	state.hasServers = state.servers != nil
	return state, nil
}
