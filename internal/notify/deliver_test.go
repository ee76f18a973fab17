package notify

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		header string
		want   time.Duration
		ok     bool
	}{
		{"", 0, false},
		{"3", 3 * time.Second, true},
		{" 0 ", 0, true},
		{"3600", maxRetryAfter, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{now.Add(4 * time.Second).Format(http.TimeFormat), 4 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{now.Add(time.Hour).Format(http.TimeFormat), maxRetryAfter, true},
	}
	for _, tt := range tests {
		got, ok := retryAfter(tt.header, now)
		assert.Equal(t, tt.ok, ok, "Retry-After %q", tt.header)
		assert.Equal(t, tt.want, got, "Retry-After %q", tt.header)
	}
}

func TestRedact(t *testing.T) {
	tests := []struct {
		url, want string
		bad       bool
	}{
		{"https://hooks.example.com", "https://hooks.example.com", false},
		{"https://hooks.example.com/", "https://hooks.example.com", false},
		{"https://hooks.example.com/services/T0/B0/token", "https://hooks.example.com/...", false},
		{"https://user:pw@hooks.example.com:8443?key=k", "https://hooks.example.com:8443/...", false},
		{"hooks.local/bake", "the webhook URL", true},
		{"ftp://hooks.example.com/", "the webhook URL", true},
		{"http://", "the webhook URL", true},
	}
	for _, tt := range tests {
		got, err := redact(tt.url)
		assert.Equal(t, tt.want, got, tt.url)
		assert.Equal(t, tt.bad, err != nil, tt.url)
	}
}

func TestURLPrefersEnvironment(t *testing.T) {
	t.Setenv(EnvURL, "")
	assert.Equal(t, "https://from.config/hook", URL("https://from.config/hook"))
	t.Setenv(EnvURL, "https://from.env/hook")
	assert.Equal(t, "https://from.env/hook", URL("https://from.config/hook"))
	assert.Equal(t, "https://from.env/hook", URL(""))
}

func TestSignature(t *testing.T) {
	// HMAC-SHA256 keyed with "key" of "1700000000.d-1.The quick brown fox
	// jumps over the lazy dog", as any HMAC tool computes it.
	body := []byte("The quick brown fox jumps over the lazy dog")
	sig := Signature("key", "1700000000", "d-1", body)
	assert.Equal(t, "sha256=59a154519bbeaedee2cb48ac71a3d7f4a42518f2bc8b1f428984c5d9c5d44b1e", sig)

	// A recorded delivery sent again later must carry its old timestamp, and
	// one passed off as a new delivery its old id: changing either breaks it.
	assert.NotEqual(t, sig, Signature("key", "1700000301", "d-1", body), "a new timestamp")
	assert.NotEqual(t, sig, Signature("key", "1700000000", "d-2", body), "another delivery id")
	assert.NotEqual(t, sig, Signature("key", "1700000000d", "-1", body), "the parts are separated")
	assert.NotEqual(t, sig, Signature("key", "1700000000", "d-1", []byte("The quick brown fox jumps over the lazy cat")))
}
