package notify

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEventsArriveInOrderSigned(t *testing.T) {
	rc := newReceiver(t, func(int, http.ResponseWriter, *http.Request) {})
	ws := &warnings{}
	opts := fast(ws)
	opts.Secret = "s3cret"
	opts.UserAgent = "bake/1.2.3"
	w := New(rc.URL+"/hooks/bake", opts)

	at := time.Date(2025, 3, 1, 12, 1, 0, 0, time.FixedZone("CET", 3600))
	sent := []Event{
		{Type: ReleaseRecorded, Project: "shop", Image: "web", Version: "1.4.0", Digest: "sha256:aa", By: "ana", Operation: "op-1"},
		{Type: PromotionSucceeded, Project: "shop", Image: "web", Version: "1.4.0", Digest: "sha256:aa", Env: "prod", Previous: "1.3.0", By: "ana", Operation: "op-2"},
		{Type: RollbackAutomatic, Project: "shop", Image: "web", Version: "1.3.0", Digest: "sha256:bb", Env: "prod", Previous: "1.4.0", Reason: "health check failed", By: "bake", Operation: "op-3", ID: "given-id", At: at},
	}
	for _, e := range sent {
		w.Send(e)
	}
	require.NoError(t, closeWithin(t, w, 5*time.Second))
	assert.Empty(t, ws.all())

	got := rc.deliveries()
	require.Len(t, got, len(sent))
	ids := map[string]bool{}
	for i, d := range got {
		var e Event
		require.NoError(t, json.Unmarshal(d.body, &e))
		assert.Equal(t, sent[i].Type, e.Type, "event %d out of order", i)
		assert.Equal(t, sent[i].Operation, e.Operation)
		assert.Equal(t, "application/json", d.header.Get("Content-Type"))
		assert.Equal(t, "bake/1.2.3", d.header.Get("User-Agent"))
		assert.Equal(t, e.Type, d.header.Get("X-Bake-Event"))
		assert.Equal(t, e.ID, d.header.Get("X-Bake-Delivery"))
		unix, err := strconv.ParseInt(d.header.Get("X-Bake-Timestamp"), 10, 64)
		require.NoError(t, err)
		assert.WithinDuration(t, d.at, time.Unix(unix, 0), 2*time.Second)
		assert.Equal(t, Signature("s3cret", d.header.Get("X-Bake-Timestamp"), e.ID, d.body), d.header.Get("X-Bake-Signature"))
		assert.Regexp(t, `^sha256=[0-9a-f]{64}$`, d.header.Get("X-Bake-Signature"))
		assert.NotEmpty(t, e.ID)
		assert.False(t, ids[e.ID], "id %s repeated", e.ID)
		ids[e.ID] = true

		var raw map[string]any
		require.NoError(t, json.Unmarshal(d.body, &raw))
		stamp, _ := raw["at"].(string)
		parsed, err := time.Parse(time.RFC3339, stamp)
		require.NoError(t, err)
		assert.Equal(t, time.UTC, parsed.Location(), "at %q is not UTC", stamp)
		assert.False(t, parsed.IsZero())
	}
	assert.Equal(t, "given-id", got[2].header.Get("X-Bake-Delivery"))
	assert.Contains(t, string(got[2].body), `"at":"2025-03-01T11:01:00Z"`)
	assert.NotContains(t, string(got[0].body), `"env"`, "empty env is omitted")
	assert.Contains(t, string(got[1].body), `"previous":"1.3.0"`)
}

func TestNoSignatureWithoutSecret(t *testing.T) {
	rc := newReceiver(t, func(int, http.ResponseWriter, *http.Request) {})
	w := New(rc.URL, fast(&warnings{}))
	w.Send(Event{Type: ReleaseFailed})
	require.NoError(t, closeWithin(t, w, 5*time.Second))
	got := rc.deliveries()
	require.Len(t, got, 1)
	assert.Empty(t, got[0].header.Get("X-Bake-Signature"))
	assert.Equal(t, DefaultUserAgent, got[0].header.Get("User-Agent"))
}

func TestRetriesAfterServerErrors(t *testing.T) {
	rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n <= 2 {
			http.Error(w, "try later", http.StatusInternalServerError)
		}
	})
	ws := &warnings{}
	w := New(rc.URL, fast(ws))
	w.Send(Event{Type: PromotionFailed, Image: "web", Version: "1.4.0"})
	require.NoError(t, closeWithin(t, w, 5*time.Second))

	got := rc.deliveries()
	require.Len(t, got, 3)
	for _, d := range got {
		assert.Equal(t, got[0].header.Get("X-Bake-Delivery"), d.header.Get("X-Bake-Delivery"), "a retry keeps the delivery id")
		assert.Equal(t, got[0].body, d.body)
	}
	assert.Empty(t, ws.all())
}

func TestHonoursRetryAfter(t *testing.T) {
	rc := newReceiver(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	})
	ws := &warnings{}
	w := New(rc.URL, fast(ws))
	w.Send(Event{Type: RollbackSucceeded})
	require.NoError(t, closeWithin(t, w, 5*time.Second))

	got := rc.deliveries()
	require.Len(t, got, 2)
	assert.GreaterOrEqual(t, got[1].at.Sub(got[0].at), 900*time.Millisecond, "waited less than Retry-After")
	assert.Empty(t, ws.all())
}

func TestClientErrorIsNotRetried(t *testing.T) {
	rc := newReceiver(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "unknown event\ntype", http.StatusBadRequest)
	})
	ws := &warnings{}
	w := New(rc.URL+"/services/T000/SECRET-TOKEN?key=abc", fast(ws))
	w.Send(Event{Type: ReleaseFailed, Image: "web", Version: "1.4.0", Env: "prod", ID: "d-1"})
	require.NoError(t, closeWithin(t, w, 5*time.Second))

	assert.Len(t, rc.deliveries(), 1)
	lines := ws.all()
	require.Len(t, lines, 1)
	host := strings.TrimPrefix(rc.URL, "http://")
	assert.Equal(t, `webhook: release.failed for web@1.4.0 in "prod" (delivery d-1) not delivered to http://`+host+`/...: got 400 "unknown event type" (refused, not retried)`, lines[0])
	assert.NotContains(t, lines[0], "SECRET-TOKEN")
}

func TestSendDoesNotWaitForAHangingReceiver(t *testing.T) {
	release := make(chan struct{})
	rc := newReceiver(t, func(_ int, _ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release) // runs before the receiver's cleanup, so it can shut down
	ws := &warnings{}
	opts := fast(ws)
	opts.Timeout, opts.MaxElapsed = time.Minute, time.Minute // only Close may cut this short
	w := New(rc.URL, opts)

	start := time.Now()
	for range 3 {
		w.Send(Event{Type: PromotionSucceeded})
	}
	// The receiver hangs for a minute: well under that means Send did not wait.
	assert.Less(t, time.Since(start), 10*time.Second, "Send waited for the receiver")
	<-rc.seen // the first event is in flight

	start = time.Now()
	err := closeWithin(t, w, 200*time.Millisecond)
	assert.Less(t, time.Since(start), 10*time.Second, "Close did not abort the request in flight")
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "3 events not delivered")
	assert.Empty(t, ws.all(), "Close's error reports abandoned events, not Warn")

	// A second Close returns at once with the same answer.
	err2 := closeWithin(t, w, time.Second)
	assert.Equal(t, err.Error(), err2.Error())
}

func TestFullQueueDropsWithWarning(t *testing.T) {
	release := make(chan struct{})
	rc := newReceiver(t, func(_ int, _ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	ws := &warnings{}
	opts := fast(ws)
	opts.QueueSize = 1
	w := New(rc.URL, opts)

	w.Send(Event{Type: ReleaseRecorded, ID: "in-flight"})
	<-rc.seen
	w.Send(Event{Type: ReleaseRecorded, ID: "queued"})
	w.Send(Event{Type: ReleaseRecorded, ID: "dropped"})
	close(release)
	require.NoError(t, closeWithin(t, w, 5*time.Second))

	lines := ws.all()
	require.Len(t, lines, 1)
	assert.Contains(t, lines[0], "(delivery dropped) dropped")
	assert.Contains(t, lines[0], "the queue is full (1 waiting")
	assert.Len(t, rc.deliveries(), 2)
}

func TestUnreachableReceiverGivesUp(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())

	ws := &warnings{}
	opts := fast(ws)
	opts.MaxElapsed = 500 * time.Millisecond
	w := New("http://127.0.0.1:"+strconv.Itoa(port)+"/hook", opts)
	start := time.Now()
	w.Send(Event{Type: RollbackFailed, Image: "web", Version: "1.3.0"})
	require.NoError(t, closeWithin(t, w, 5*time.Second), "the event was given up, not abandoned")
	assert.Less(t, time.Since(start), 2*time.Second, "kept trying well past MaxElapsed")

	lines := ws.all()
	require.Len(t, lines, 1)
	assert.Contains(t, lines[0], "rollback.failed for web@1.3.0")
	assert.Contains(t, lines[0], "not delivered to http://127.0.0.1:"+strconv.Itoa(port)+"/...")
	assert.Contains(t, lines[0], "got no answer")
	assert.Contains(t, lines[0], "connection refused")
	assert.Regexp(t, `gave up after \d+ tries in `, lines[0])
}

func TestNilWebhookDoesNothing(t *testing.T) {
	var w *Webhook
	w.Send(Event{Type: ReleaseRecorded})
	assert.NoError(t, w.Close(context.Background()))
	assert.NoError(t, w.Close(context.Background()))

	assert.Nil(t, New("", Options{}), "no URL configured: no webhook")
	assert.Nil(t, New("  ", Options{}))
}

func TestCloseTwiceAndSendAfterClose(t *testing.T) {
	rc := newReceiver(t, func(int, http.ResponseWriter, *http.Request) {})
	ws := &warnings{}
	w := New(rc.URL, fast(ws))
	w.Send(Event{Type: ReleaseRecorded})
	require.NoError(t, closeWithin(t, w, 5*time.Second))
	require.NoError(t, closeWithin(t, w, 5*time.Second))

	w.Send(Event{Type: ReleaseFailed, ID: "late"})
	assert.Len(t, rc.deliveries(), 1)
	lines := ws.all()
	require.Len(t, lines, 1)
	assert.Contains(t, lines[0], "(delivery late) dropped")
	assert.Contains(t, lines[0], "already closed")
}

func TestConcurrentCloseAndSend(t *testing.T) {
	rc := newReceiver(t, func(int, http.ResponseWriter, *http.Request) {})
	var sent atomic.Int32
	w := New(rc.URL, Options{InitialInterval: 10 * time.Millisecond, Warn: func(string) {}, Allow: Allow{Loopback: true}})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 10 {
				w.Send(Event{Type: ReleaseRecorded})
				sent.Add(1)
			}
		})
	}
	wg.Go(func() { assert.NoError(t, closeWithin(t, w, 5*time.Second)) })
	wg.Go(func() { assert.NoError(t, closeWithin(t, w, 5*time.Second)) })
	wg.Wait()
	assert.LessOrEqual(t, len(rc.deliveries()), int(sent.Load()))
}

func TestInvalidURLAndPanickingWarn(t *testing.T) {
	var calls atomic.Int32
	w := New("hooks.local/bake", Options{Warn: func(line string) {
		calls.Add(1)
		assert.Contains(t, line, "the webhook URL is not an http or https URL")
		panic("a Warn that panics must not take bake down")
	}})
	w.Send(Event{Type: ReleaseRecorded})
	w.Send(Event{Type: ReleaseRecorded})
	require.NoError(t, closeWithin(t, w, 5*time.Second))
	assert.Equal(t, int32(2), calls.Load())
}

// TestDownReceiverNamesEventAndCause: when bake stops waiting for a
// receiver that is down, the warning names the event and why it was not
// taken.
func TestDownReceiverNamesEventAndCause(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there any more

	opts := fast(&warnings{})
	opts.MaxElapsed = time.Minute
	w := New("http://"+addr+"/hook", opts)
	w.Send(Event{Type: PromotionSucceeded, Image: "web", Version: "1.4.0", Env: "prod", ID: "d-2"})
	err = closeWithin(t, w, 500*time.Millisecond)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `1 event not delivered (promotion.succeeded for web@1.4.0 in "prod" (delivery d-2))`)
	assert.Contains(t, err.Error(), "connection refused")
}
