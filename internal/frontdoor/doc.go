// Package frontdoor drives the Caddy front door of the docker target through
// Caddy's admin API: it starts Caddy when nothing answers, points a route at a
// set of upstreams and switches them in one admin request.
//
// Caddy is configured only through its admin API (no Caddyfile). Every change
// is autosaved by Caddy under the state directory and Caddy is started with
// --resume, so a restarted Caddy comes back with the routes it had.
package frontdoor
