package e2e

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hookEvent is what bake posts to a webhook.
type hookEvent struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	Project   string    `json:"project"`
	Image     string    `json:"image"`
	Version   string    `json:"version"`
	Digest    string    `json:"digest"`
	Env       string    `json:"env"`
	Previous  string    `json:"previous"`
	Reason    string    `json:"reason"`
	By        string    `json:"by"`
	Operation string    `json:"operation"`
	At        time.Time `json:"at"`
}

// receiver is a webhook endpoint on 127.0.0.1 that records what it gets.
type receiver struct {
	srv      *httptest.Server
	mu       sync.Mutex
	events   []hookEvent
	requests int
	failing  int    // answer this many requests with 500 first
	secret   string // when set, requests must carry a valid signature
	badSigs  int
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) URL() string { return r.srv.URL + "/hooks/bake?token=t0k3n" }

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	if r.failing > 0 {
		r.failing--
		http.Error(w, "try again", http.StatusInternalServerError)
		return
	}
	if r.secret != "" && !verifyDelivery(r.secret, req.Header, body, time.Now()) {
		r.badSigs++
	}
	var ev hookEvent
	if err := json.Unmarshal(body, &ev); err != nil || req.Header.Get("X-Bake-Event") != ev.Type {
		http.Error(w, "bad event", http.StatusBadRequest)
		return
	}
	r.events = append(r.events, ev)
	w.WriteHeader(http.StatusNoContent)
}

// verifyDelivery checks a delivery the way README tells receivers to: the
// timestamp is at most 5 minutes away from now, and the signature is the
// HMAC-SHA256 of "TIMESTAMP.DELIVERY.BODY".
func verifyDelivery(secret string, h http.Header, body []byte, now time.Time) bool {
	stamp, err := strconv.ParseInt(h.Get("X-Bake-Timestamp"), 10, 64)
	if err != nil || now.Sub(time.Unix(stamp, 0)).Abs() > 5*time.Minute {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(h.Get("X-Bake-Timestamp") + "." + h.Get("X-Bake-Delivery") + "."))
	mac.Write(body)
	return hmac.Equal([]byte(h.Get("X-Bake-Signature")), []byte("sha256="+hex.EncodeToString(mac.Sum(nil))))
}

// waitFor returns the events once at least n arrived, failing after 15s.
func (r *receiver) waitFor(t *testing.T, n int) []hookEvent {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r.mu.Lock()
		got := append([]hookEvent(nil), r.events...)
		r.mu.Unlock()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook: want %d events, got %d: %+v", n, len(got), got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestWebhookEvents checks one signed event per release, promotion and
// rollback, delivered despite a receiver that fails at first, and that a
// receiver that is down never fails a deployment.
func TestWebhookEvents(t *testing.T) {
	t.Parallel()
	hook := newReceiver(t)
	hook.failing = 2
	hook.secret = "s3cret"
	p := newProject(t, projectOptions{Webhook: hook.URL()})
	env := []string{"BAKE_WEBHOOK_SECRET=s3cret"}
	for _, args := range [][]string{
		{"release", "svc", "--version", "1.0.0"},
		{"release", "svc", "--version", "1.1.0"},
		{"promote", "svc@1.0.0", "--to", "dev"},
		{"promote", "svc@1.1.0", "--to", "dev"},
		{"rollback", "svc", "--env", "dev", "--yes"},
	} {
		res := bakeEnv(t, p.Dir, env, args...)
		require.Equal(t, 0, res.code, res.String())
	}
	events := hook.waitFor(t, 5)
	require.Len(t, events, 5)
	want := []struct{ typ, version, env, previous string }{
		{"release.recorded", "1.0.0", "", ""},
		{"release.recorded", "1.1.0", "", ""},
		{"promotion.succeeded", "1.0.0", "dev", ""},
		{"promotion.succeeded", "1.1.0", "dev", "1.0.0"},
		{"rollback.succeeded", "1.0.0", "dev", "1.1.0"},
	}
	for i, w := range want {
		e := events[i]
		assert.Equal(t, w.typ, e.Type, "event %d", i)
		assert.Equal(t, w.version, e.Version, "event %d", i)
		assert.Equal(t, w.env, e.Env, "event %d", i)
		assert.Equal(t, w.previous, e.Previous, "event %d", i)
		assert.Equal(t, p.Name, e.Project)
		assert.Equal(t, "svc", e.Image)
		assert.Equal(t, "e2e", e.By)
		assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, e.Digest)
		assert.NotEmpty(t, e.ID)
		assert.NotEmpty(t, e.Operation)
	}
	assert.Zero(t, hook.badSigs, "events with a wrong signature")
	assert.Equal(t, 7, hook.requests, "two failed deliveries were retried")

	// A receiver that is down: the deployment succeeds and is recorded.
	hook.srv.Close()
	res := mustBake(t, p.Dir, "promote", "svc@1.1.0", "--to", "dev")
	assert.Contains(t, res.stderr, "not delivered")
	assert.Contains(t, res.stderr, `promotion.succeeded for svc@1.1.0 in "dev"`, "the warning names the event")
	assert.Contains(t, res.stderr, "connection refused", "and why it was not delivered")
	assertServes(t, p, "dev", "1.1.0")
	assert.Equal(t, "1.1.0", history(t, p, "dev").Deployments[0].Version)
}
