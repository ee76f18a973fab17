package frontdoor

import (
	"cmp"
	"path/filepath"
	"strconv"
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

// config is a door's whole Caddy config, written once when it starts.
type config struct {
	Admin   adminConfig `json:"admin"`
	Logging logging     `json:"logging"`
	Apps    apps        `json:"apps"`
}

type adminConfig struct {
	Listen string            `json:"listen"`
	Config adminConfigPolicy `json:"config"`
}

type adminConfigPolicy struct {
	Persist bool `json:"persist"`
}

type apps struct {
	HTTP httpApp `json:"http"`
}

type httpApp struct {
	Servers map[string]server `json:"servers"`
}

// server is the Caddy HTTP server of a door: a route per bank, chosen by
// the content of the live file.
//
// The proxy leaves flush_interval unset: Caddy already streams event streams
// and bodies of unknown length.
type server struct {
	Listen         []string       `json:"listen"`
	AutomaticHTTPS automaticHTTPS `json:"automatic_https"`
	Logs           serverLogs     `json:"logs"`
	Routes         []serverRoute  `json:"routes"`
}

type automaticHTTPS struct {
	Disable bool `json:"disable"`
}

type serverRoute struct {
	Match    []matcher `json:"match,omitempty"`
	Handle   []any     `json:"handle"`
	Terminal bool      `json:"terminal"`
}

// matcher matches when a placeholder (the live file) has one of the values.
type matcher struct {
	Vars map[string][]string `json:"vars"`
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

// doorConfig builds the config of door d serving route f: the admin API
// on the door's unix socket, readable by this user only, no autosave (the
// file bake writes is the config), and the access log bake counts each
// release's requests in: each request's log line names the upstream that
// answered it, and only a bank holding a split logs (see accesslog_switch).
func (c *Caddy) doorConfig(d door, f doorFile) config {
	live := placeholder(d.path(liveFileName))
	srv := server{
		Listen:         []string{f.Listen},
		AutomaticHTTPS: automaticHTTPS{Disable: true},
		Logs:           serverLogs{DefaultLoggerName: accessLoggerName},
		Routes: []serverRoute{
			{
				Match:    []matcher{{Vars: map[string][]string{live: {bankA}}}},
				Handle:   []any{skipLogUnlessSplit(d, bankA), logUpstream(), newProxy(f.ID+"-"+bankA, bankDials(d, bankA))},
				Terminal: true,
			},
			// Bank b takes everything else, so a request always has upstreams.
			{Handle: []any{skipLogUnlessSplit(d, bankB), logUpstream(), newProxy(f.ID+"-"+bankB, bankDials(d, bankB))}, Terminal: true},
		},
	}
	return config{
		Admin:   adminConfig{Listen: "unix/" + d.socket() + "|0600"},
		Logging: accessLogging(d, cmp.Or(c.rollMB, accessLogRollMB)),
		Apps:    apps{HTTP: httpApp{Servers: map[string]server{f.ID: srv}}},
	}
}

// placeholder is the Caddy placeholder that reads the file at path.
func placeholder(path string) string {
	return "{file." + path + "}"
}

// bankDials returns the dial addresses of the slots of bank in d.
func bankDials(d door, bank string) []string {
	dials := make([]string, slotsPerBank)
	for i := range dials {
		dials[i] = placeholder(filepath.Join(d.dir, bank, strconv.Itoa(i)))
	}
	return dials
}

func newProxy(id string, dials []string) reverseProxy {
	ups := make([]upstream, len(dials))
	for i, d := range dials {
		ups[i] = upstream{Dial: d}
	}
	return reverseProxy{
		Handler:   "reverse_proxy",
		ID:        id,
		Upstreams: ups,
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
	}
}
