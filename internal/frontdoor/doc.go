// Package frontdoor drives the Caddy front door of the docker target: it
// starts Caddy when nothing answers, points a route at a set of upstreams and
// switches them.
//
// Caddy is configured only through its admin API (no Caddyfile). Every change
// is autosaved by Caddy under the state directory and Caddy is started with
// --resume, so a restarted Caddy comes back with the routes it had. A route's
// upstreams dial {file.*} placeholders naming files under the state directory,
// so a switch rewrites files and leaves the config, whose every change makes
// Caddy reload, alone.
package frontdoor
