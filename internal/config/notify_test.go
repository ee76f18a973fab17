package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/bakehq/bake/internal/notify"
)

func TestNotifyAllow(t *testing.T) {
	tests := []struct {
		section string
		webhook string
		allow   notify.Allow
	}{
		{`notify: {webhook: "https://hooks.example.com/bake"}`, "https://hooks.example.com/bake", notify.Allow{}},
		{`notify: {webhook: "http://127.0.0.1:9000/hook", allow: [loopback]}`, "http://127.0.0.1:9000/hook", notify.Allow{Loopback: true}},
		{`notify: {webhook: "https://10.1.2.3/hook", allow: [private]}`, "https://10.1.2.3/hook", notify.Allow{Private: true}},
		{"notify:\n  allow: [private, loopback]\n  webhook: https://hooks.internal/bake", "https://hooks.internal/bake", notify.Allow{Loopback: true, Private: true}},
	}
	for _, tt := range tests {
		p, err := Load(writeProject(t, edit(t, "images:\n", tt.section+"\nimages:\n")))
		require.NoError(t, err, tt.section)
		assert.Equal(t, tt.webhook, p.Notify.Webhook, tt.section)
		assert.Equal(t, tt.allow, p.Notify.Allow, tt.section)
	}
}
