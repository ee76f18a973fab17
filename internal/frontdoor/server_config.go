package frontdoor

import (
	"encoding/json"
	"reflect"
)

// Proxy tuning for switches that drop no requests. Caddy retries a request
// on another try only when it could not connect (nothing was sent), so
// retrying for tryDuration bridges an upstream that is briefly unreachable.
const (
	tryDuration = "5s"
	tryInterval = "100ms"
	dialTimeout = "2s"
	// idleTimeout closes pooled upstream connections before a typical
	// upstream server would.
	idleTimeout = "30s"
	// maxIdlePerHost keeps enough warm connections for bursts.
	maxIdlePerHost = 32
)

// server is the Caddy HTTP server bake writes for a route.
//
// The proxy leaves flush_interval unset: Caddy already streams event streams
// and bodies of unknown length, and with flush_interval -1 Caddy 2.6 ties
// upstream requests to the config, so a switch cancels the requests that are
// in flight (502).
type server struct {
	Listen         []string       `json:"listen"`
	AutomaticHTTPS automaticHTTPS `json:"automatic_https"`
	Routes         []serverRoute  `json:"routes"`
}

type automaticHTTPS struct {
	Disable bool `json:"disable"`
}

type serverRoute struct {
	Handle   []reverseProxy `json:"handle"`
	Terminal bool           `json:"terminal"`
}

type reverseProxy struct {
	Handler       string        `json:"handler"`
	ID            string        `json:"@id"`
	Upstreams     []upstream    `json:"upstreams"`
	LoadBalancing loadBalancing `json:"load_balancing"`
	Transport     httpTransport `json:"transport"`
}

type upstream struct {
	Dial string `json:"dial"`
}

type loadBalancing struct {
	SelectionPolicy selectionPolicy `json:"selection_policy"`
	TryDuration     string          `json:"try_duration"`
	TryInterval     string          `json:"try_interval"`
}

type selectionPolicy struct {
	Policy string `json:"policy"`
}

type httpTransport struct {
	Protocol    string    `json:"protocol"`
	DialTimeout string    `json:"dial_timeout"`
	KeepAlive   keepAlive `json:"keep_alive"`
}

type keepAlive struct {
	Enabled             bool   `json:"enabled"`
	IdleTimeout         string `json:"idle_timeout"`
	MaxIdleConnsPerHost int    `json:"max_idle_conns_per_host"`
}

// newServer builds the server for route proxying to dials.
func newServer(route Route, dials []string) server {
	return server{
		Listen:         []string{route.Listen},
		AutomaticHTTPS: automaticHTTPS{Disable: true},
		Routes: []serverRoute{{
			Handle: []reverseProxy{{
				Handler:   "reverse_proxy",
				ID:        route.ID,
				Upstreams: toUpstreams(dials),
				LoadBalancing: loadBalancing{
					SelectionPolicy: selectionPolicy{Policy: "round_robin"},
					TryDuration:     tryDuration,
					TryInterval:     tryInterval,
				},
				Transport: httpTransport{
					Protocol:    "http",
					DialTimeout: dialTimeout,
					KeepAlive: keepAlive{
						Enabled:             true,
						IdleTimeout:         idleTimeout,
						MaxIdleConnsPerHost: maxIdlePerHost,
					},
				},
			}},
			Terminal: true,
		}},
	}
}

func toUpstreams(dials []string) []upstream {
	ups := make([]upstream, len(dials))
	for i, d := range dials {
		ups[i] = upstream{Dial: d}
	}
	return ups
}

func toDials(ups []upstream) []string {
	dials := make([]string, len(ups))
	for i, u := range ups {
		dials[i] = u.Dial
	}
	return dials
}

// serverDials returns the dial addresses of a server read from Caddy that
// has the shape newServer builds, or nil.
func serverDials(cur json.RawMessage) []string {
	var s server
	if json.Unmarshal(cur, &s) != nil || len(s.Routes) != 1 || len(s.Routes[0].Handle) != 1 {
		return nil
	}
	return toDials(s.Routes[0].Handle[0].Upstreams)
}

// onlyUpstreamsDiffer reports whether cur, a server read from Caddy, is what
// newServer would build for route apart from its upstreams, so that changing
// the upstreams alone brings it up to date.
func onlyUpstreamsDiffer(cur json.RawMessage, route Route) bool {
	var s server
	if json.Unmarshal(cur, &s) != nil || len(s.Routes) != 1 || len(s.Routes[0].Handle) != 1 {
		return false
	}
	proxy := s.Routes[0].Handle[0]
	if proxy.ID != route.ID || proxy.Upstreams == nil {
		return false
	}
	return sameJSON(cur, newServer(route, toDials(proxy.Upstreams)))
}

// sameJSON compares raw JSON with the JSON encoding of v, ignoring key order.
func sameJSON(raw json.RawMessage, v any) bool {
	encoded, err := json.Marshal(v)
	if err != nil {
		return false
	}
	var a, b any
	if json.Unmarshal(raw, &a) != nil || json.Unmarshal(encoded, &b) != nil {
		return false
	}
	return reflect.DeepEqual(a, b)
}
