// Package frontdoor drives the Caddy front doors of the docker target: each
// route (one listen address) is served by a Caddy process of its own, which
// bake starts, points at a set of upstreams, switches and drains.
//
// A door's config is written once, when its Caddy starts, and never changes:
// Caddy restarts every server of a process on any config change and closes
// their idle kept-alive connections, so a process per door means that no
// other route's change reaches it. Its upstreams are two banks of slot files
// read through {file.*} placeholders, and a "live" file naming the bank in
// traffic: a switch fills the other bank and flips the live file, so new
// requests go to the new upstreams while the ones in flight finish on the
// old, and the old bank's in-flight count (Caddy's /reverse_proxy/upstreams)
// says when they are done. A bank has a fixed number of slots that the
// upstreams fill round-robin, so a change of the replica count is a switch
// like any other; so is a canary's step: a split gives the canary's
// upstreams its weight's share of the slots, spread among the stable ones,
// and Caddy's round robin over the slots sends it that share of requests.
//
// While a door is split, its Caddy also writes an access log in the
// door's directory, one line per request naming the upstream that answered
// it, its status and duration: Served reads it back, so a canary's requests
// can be told from the baseline's. Each bank says in a file of its own
// whether the requests sent to it are logged, so the log is turned on and
// off by a switch like the upstreams, without a config change (see
// accesslog_switch). A door an older bake started without the log, or
// logging every request, gets this config at its first switch, through
// Caddy's /load (see upgrade): the one time a running door's config
// changes.
//
// A door's admin API listens only on a unix socket (mode 0600, in a 0700
// directory under the state directory), and bake accepts an answer only
// from the process it started (the socket peer's pid and uid). Caddy runs
// with an environment of its own (home and XDG directories under the door's
// directory), never bake's.
package frontdoor
