package frontdoor

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slowFailing starts an upstream that answers 500 after delay and counts.
func slowFailing(t *testing.T, delay time.Duration) (string, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		time.Sleep(delay)
		n.Add(1)
		http.Error(w, "broken", http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String(), &n
}

// get sends n GETs to addr one after the other and returns how many had
// each status.
func get(t *testing.T, addr string, n int) map[int]int {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	got := map[int]int{}
	for range n {
		resp, err := client.Get("http://" + addr + "/")
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		got[resp.StatusCode]++
	}
	return got
}

// byUpstream counts served requests by upstream and status.
func byUpstream(served []Served) map[string]map[int]int {
	out := map[string]map[int]int{}
	for _, s := range served {
		if out[s.Upstream] == nil {
			out[s.Upstream] = map[int]int{}
		}
		out[s.Upstream][s.Status]++
	}
	return out
}

// TestServedAttributesRequests splits a door between an upstream that
// answers 200 at once and one that answers 500 after 100 ms: Served names
// the upstream, status and duration of each request, from the time asked,
// in this Caddy value and in a new one (another bake process).
func TestServedAttributesRequests(t *testing.T) {
	ctx := t.Context()
	c := newCaddy(t)
	good, goodN := counted(t, http.StatusOK, "good")
	const delay = 100 * time.Millisecond
	bad, badN := slowFailing(t, delay)
	route := Route{ID: "bake-test-served", Listen: freeAddr(t)}
	require.NoError(t, c.SetUpstreams(ctx, route, []string{good}))
	// Nothing answered yet: nothing served.
	served, err := c.Served(ctx, route.ID, time.Now().Add(-time.Hour))
	require.NoError(t, err)
	assert.Empty(t, served)

	begin := time.Now()
	require.NoError(t, c.SetSplit(ctx, route, Split{Stable: []string{good}, Canary: []string{bad}, Weight: 50}))
	first := get(t, route.Listen, 40)
	time.Sleep(20 * time.Millisecond)
	middle := time.Now()
	time.Sleep(20 * time.Millisecond)
	second := get(t, route.Listen, 60)
	end := time.Now()
	assert.Equal(t, map[int]int{200: 20, 500: 20}, first)
	assert.Equal(t, map[int]int{200: 30, 500: 30}, second)
	require.Equal(t, int64(50), goodN.Load())
	require.Equal(t, int64(50), badN.Load())

	served, err = c.Served(ctx, route.ID, begin)
	require.NoError(t, err)
	require.Len(t, served, 100)
	assert.Equal(t, map[string]map[int]int{good: {200: 50}, bad: {500: 50}}, byUpstream(served))
	// The slow upstream's requests took at least its delay; the fast
	// one's, by their median (a loaded machine may delay a few), less.
	var fast []time.Duration
	for _, s := range served {
		assert.False(t, s.At.Before(begin) || s.At.After(end), "served at %s, not between %s and %s", s.At, begin, end)
		if s.Upstream == bad {
			assert.GreaterOrEqual(t, s.Duration, delay)
		} else {
			fast = append(fast, s.Duration)
		}
	}
	slices.Sort(fast)
	assert.Less(t, fast[len(fast)/2], delay, "median duration of the fast upstream's requests")

	// Asked again, from later: only the second batch, read from the
	// window this value keeps.
	later, err := c.Served(ctx, route.ID, middle)
	require.NoError(t, err)
	assert.Equal(t, map[string]map[int]int{good: {200: 30}, bad: {500: 30}}, byUpstream(later))

	// Another process: a fresh Caddy value starts at a checkpoint of the
	// door's index and finds the same.
	other := &Caddy{StateDir: c.StateDir, Binary: c.Binary}
	again, err := other.Served(ctx, route.ID, middle)
	require.NoError(t, err)
	assert.Equal(t, later, again)
	again, err = other.Served(ctx, route.ID, begin)
	require.NoError(t, err)
	assert.Equal(t, served, again)
	assert.Empty(t, mustServed(t, other, route.ID, time.Now()))

	_, err = c.Served(ctx, "bake-test-nothing", begin)
	require.ErrorIs(t, err, ErrNoRoute)
}

func mustServed(t *testing.T, c *Caddy, id string, since time.Time) []Served {
	t.Helper()
	served, err := c.Served(t.Context(), id, since)
	require.NoError(t, err)
	return served
}

// TestServedAcrossRolledLogs sends enough requests through a split door
// for its access log to roll over more than once: Served still counts each
// request once, from a fresh Caddy value and from one that read before
// the logs rolled.
func TestServedAcrossRolledLogs(t *testing.T) {
	ctx := t.Context()
	c := newCaddy(t)
	c.rollMB = 1
	up, n := counted(t, http.StatusOK, "ok")
	canary, m := counted(t, http.StatusOK, "canary")
	route := Route{ID: "bake-test-rolled", Listen: freeAddr(t)}
	begin := time.Now()
	require.NoError(t, c.SetSplit(ctx, route, Split{Stable: []string{up}, Canary: []string{canary}, Weight: 50}))
	d, _ := doorOf(t, c, route.ID)
	mustGet(t, route.Listen)
	require.Len(t, mustServed(t, c, route.ID, begin), 1)

	// About 185 bytes a line: 16,000 requests fill 2.9 MB.
	r := hey(t, "-n", "16000", "-c", "8", "http://"+route.Listen+"/")
	require.Zero(t, r.failed(), r.output)
	rolled, err := filepath.Glob(d.path("access-*.log"))
	require.NoError(t, err)
	var size int64
	for _, f := range append(rolled, d.path(accessLogFileName)) {
		info, err := os.Stat(f)
		require.NoError(t, err)
		size += info.Size()
	}
	total := n.Load() + m.Load()
	t.Logf("%d requests, %d bytes a line, rolled into %v", total, size/total, rolled)
	require.GreaterOrEqual(t, len(rolled), 2, "the access log did not roll over twice")

	took := time.Now()
	assert.Len(t, mustServed(t, c, route.ID, begin), int(total))
	incremental := time.Since(took)
	fresh := &Caddy{StateDir: c.StateDir, Binary: c.Binary}
	took = time.Now()
	assert.Len(t, mustServed(t, fresh, route.ID, begin), int(total))
	whole := time.Since(took)
	took = time.Now()
	assert.Len(t, mustServed(t, fresh, route.ID, begin), int(total))
	t.Logf("Served: %s for the requests since the last call, %s for all of them in a new process, %s again from there",
		incremental, whole, time.Since(took))
	require.NoError(t, os.Remove(d.path(accessIndexFileName)))
	fresh = &Caddy{StateDir: c.StateDir, Binary: c.Binary}
	assert.Len(t, mustServed(t, fresh, route.ID, begin), int(total), "without an index")
}
