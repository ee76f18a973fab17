package frontdoor

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewServerJSON(t *testing.T) {
	got, err := json.Marshal(newServer(Route{ID: "bake-demo-prod-hello", Listen: "127.0.0.1:8103"}, []string{"127.0.0.1:9001", "127.0.0.1:9002"}))
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"listen": ["127.0.0.1:8103"],
		"automatic_https": {"disable": true},
		"routes": [{
			"terminal": true,
			"handle": [{
				"handler": "reverse_proxy",
				"@id": "bake-demo-prod-hello",
				"upstreams": [{"dial": "127.0.0.1:9001"}, {"dial": "127.0.0.1:9002"}],
				"load_balancing": {
					"selection_policy": {"policy": "round_robin"},
					"try_duration": "5s",
					"try_interval": "100ms"
				},
				"transport": {
					"protocol": "http",
					"dial_timeout": "2s",
					"keep_alive": {"enabled": true, "idle_timeout": "30s", "max_idle_conns_per_host": 32}
				}
			}]
		}]
	}`, string(got))
}

func TestOnlyUpstreamsDiffer(t *testing.T) {
	route := Route{ID: "bake-x", Listen: "127.0.0.1:8103"}
	encode := func(s server) json.RawMessage {
		data, err := json.Marshal(s)
		require.NoError(t, err)
		return data
	}
	moved := newServer(Route{ID: route.ID, Listen: "127.0.0.1:8104"}, []string{"127.0.0.1:9001"})
	retuned := newServer(route, []string{"127.0.0.1:9001"})
	retuned.Routes[0].Handle[0].LoadBalancing.TryDuration = "1s"
	otherID := newServer(Route{ID: "bake-y", Listen: route.Listen}, []string{"127.0.0.1:9001"})

	tests := []struct {
		name string
		cur  json.RawMessage
		want bool
	}{
		{"other upstreams", encode(newServer(route, []string{"127.0.0.1:9001"})), true},
		{"same upstreams", encode(newServer(route, []string{"127.0.0.1:9002"})), true},
		{"other listen", encode(moved), false},
		{"other tuning", encode(retuned), false},
		{"other handler id", encode(otherID), false},
		{"not a bake server", json.RawMessage(`{"listen":["127.0.0.1:8103"],"routes":[]}`), false},
		{"not json", json.RawMessage(`nope`), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, onlyUpstreamsDiffer(tt.cur, route))
		})
	}
}
