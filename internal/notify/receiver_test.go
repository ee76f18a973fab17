package notify

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// delivery is one request as a receiver saw it.
type delivery struct {
	header http.Header
	body   []byte
	at     time.Time
}

// receiver records every request and answers with answer(n), n counting from 1.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	got  []delivery
	seen chan struct{} // one value per request, sent before answering
}

func newReceiver(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request)) *receiver {
	t.Helper()
	rc := &receiver{seen: make(chan struct{}, 100)}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, delivery{header: r.Header.Clone(), body: body, at: time.Now()})
		n := len(rc.got)
		rc.mu.Unlock()
		rc.seen <- struct{}{}
		answer(n, w, r)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) deliveries() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]delivery(nil), rc.got...)
}

// warnings collects Warn lines.
type warnings struct {
	mu    sync.Mutex
	lines []string
}

func (ws *warnings) warn(s string) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.lines = append(ws.lines, s)
}

func (ws *warnings) all() []string {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return append([]string(nil), ws.lines...)
}

// fast keeps retries short so the tests stay quick.
func fast(ws *warnings) Options {
	return Options{InitialInterval: 10 * time.Millisecond, MaxElapsed: 2 * time.Second, Timeout: time.Second, Warn: ws.warn,
		Allow: Allow{Loopback: true}} // the receivers listen on 127.0.0.1
}

func closeWithin(t *testing.T, w *Webhook, d time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return w.Close(ctx)
}
