package target

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/bakehq/bake/internal/config"
	"github.com/bakehq/bake/internal/ledger"
)

func TestLive(t *testing.T) {
	a1 := Replica{ID: "a1", Version: "1.0.0", Digest: "sha256:a", Running: true, Upstream: "127.0.0.1:1001"}
	a2 := Replica{ID: "a2", Version: "1.0.0", Digest: "sha256:a", Running: true, Upstream: "127.0.0.1:1002"}
	b1 := Replica{ID: "b1", Version: "1.1.0", Digest: "sha256:b", Running: true, Upstream: "127.0.0.1:2001"}
	b2 := Replica{ID: "b2", Version: "1.1.0", Digest: "sha256:b", Running: false}
	tests := []struct {
		name      string
		live      Live
		servesA   bool // ServesOnly("sha256:a", 2)
		wantWords string
	}{
		{name: "old release serves", live: Live{Replicas: []Replica{a1, a2, b1, b2}, Upstreams: []string{a1.Upstream, a2.Upstream}},
			servesA:   true,
			wantWords: "the front door sends traffic to 2 replica(s) of 1.0.0; replicas running: 2 of 1.0.0, 1 of 1.1.0; stopped: 1 of 1.1.0"},
		{name: "slots repeat a replica", live: Live{Replicas: []Replica{a1, a2}, Upstreams: []string{a1.Upstream, a2.Upstream, a1.Upstream}},
			servesA: true, wantWords: "the front door sends traffic to 2 replica(s) of 1.0.0; replicas running: 2 of 1.0.0"},
		{name: "half switched", live: Live{Replicas: []Replica{a1, a2, b1}, Upstreams: []string{a1.Upstream, b1.Upstream}},
			wantWords: "the front door sends traffic to 1 replica(s) of 1.0.0 and 1 replica(s) of 1.1.0; replicas running: 2 of 1.0.0, 1 of 1.1.0"},
		{name: "short of replicas", live: Live{Replicas: []Replica{a1}, Upstreams: []string{a1.Upstream, a1.Upstream}},
			wantWords: "the front door sends traffic to 1 replica(s) of 1.0.0; replicas running: 1 of 1.0.0"},
		{name: "an address nothing listens on", live: Live{Replicas: []Replica{a1, a2}, Upstreams: []string{a1.Upstream, a2.Upstream, "127.0.0.1:9"}},
			wantWords: "the front door sends traffic to 2 replica(s) of 1.0.0 and 1 address(es) no running replica has; replicas running: 2 of 1.0.0"},
		{name: "no route", live: Live{Replicas: []Replica{b2}},
			wantWords: "the front door has no route; replicas running: none; stopped: 1 of 1.1.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.servesA, tt.live.ServesOnly("sha256:a", 2))
			assert.Equal(t, tt.wantWords, tt.live.String())
		})
	}
}

func TestUnsettled(t *testing.T) {
	req := Request{Release: releaseOf("1.1.0"), Keep: config.KeepStopped}
	serving := Replica{ID: "s", Version: "1.1.0", Digest: "sha256:1.1.0", Running: true}
	tests := []struct {
		name string
		r    Replica
		keep string
		want bool
	}{
		{name: "serving", r: serving},
		{name: "left by the interrupted run", r: Replica{ID: "x", Version: "1.2.0", Operation: "op1"}, want: true},
		{name: "release's own, running out of traffic", r: Replica{ID: "x", Version: "1.1.0", Digest: "sha256:1.1.0", Running: true}, want: true},
		{name: "release's own, stopped", r: Replica{ID: "x", Version: "1.1.0", Digest: "sha256:1.1.0"}},
		{name: "previous, stopped", r: Replica{ID: "x", Version: "1.0.0", Digest: "sha256:1.0.0"}},
		{name: "previous, running", r: Replica{ID: "x", Version: "1.0.0", Digest: "sha256:1.0.0", Running: true}, want: true},
		{name: "previous, running, kept warm", r: Replica{ID: "x", Version: "1.0.0", Digest: "sha256:1.0.0", Running: true}, keep: config.KeepWarm},
		{name: "previous, stopped, removed", r: Replica{ID: "x", Version: "1.0.0", Digest: "sha256:1.0.0"}, keep: config.KeepRemoved, want: true},
		{name: "older, stopped", r: Replica{ID: "x", Version: "0.9.0", Digest: "sha256:0.9.0"}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := req
			if tt.keep != "" {
				req.Keep = tt.keep
			}
			assert.Equal(t, tt.want, unsettled(tt.r, req, "op1", []Replica{serving}, "1.0.0"))
		})
	}
}

func releaseOf(version string) ledger.Release {
	return ledger.Release{Image: "web", Version: version, Digest: "sha256:" + version}
}
