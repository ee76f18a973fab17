package targets

import (
	"testing"

	"github.com/stretchr/testify/assert"
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
		{name: "a route the target names", live: Live{Replicas: []Replica{a1, a2}, Upstreams: []string{a1.Upstream, a2.Upstream}, Route: "service web"},
			servesA: true, wantWords: "service web sends traffic to 2 replica(s) of 1.0.0; replicas running: 2 of 1.0.0"},
		{name: "a named route with no replica behind it", live: Live{Replicas: []Replica{b2}, Upstreams: []string{}, Route: "service web"},
			wantWords: "service web sends traffic to no replica; replicas running: none; stopped: 1 of 1.1.0"},
		{name: "a named route that is not there", live: Live{Replicas: []Replica{b2}, Route: "service web"},
			wantWords: "service web sends traffic nowhere; replicas running: none; stopped: 1 of 1.1.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.servesA, tt.live.ServesOnly("sha256:a", 2))
			assert.Equal(t, tt.wantWords, tt.live.String())
		})
	}
}
