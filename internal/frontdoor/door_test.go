package frontdoor

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bakehq/bake/internal/loopback"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// freeAddr returns a loopback address with a port nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	// loopback never hands the same port out twice in a row; a listener
	// closed here could otherwise be offered again for a second route.
	addr, err := loopback.FreeAddr()
	require.NoError(t, err)
	return addr
}

// newCaddy returns front doors in a fresh state dir (short, for the unix
// socket paths); every door left is stopped when the test ends.
func newCaddy(t *testing.T) *Caddy {
	t.Helper()
	bin, err := exec.LookPath("caddy")
	require.NoError(t, err, "caddy must be installed: run scripts/services.sh up")
	version, err := binaryVersion(t.Context(), bin)
	require.NoError(t, err)
	require.True(t, atLeast(version, MinVersion), "caddy on PATH (%s) is %s, older than %s: run scripts/services.sh up", bin, version, MinVersion)
	dir, err := os.MkdirTemp("", "fd")
	require.NoError(t, err)
	c := &Caddy{StateDir: dir, Binary: bin}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		doors, _ := filepath.Glob(filepath.Join(dir, doorsDirName, "*", doorFileName))
		for _, f := range doors {
			d := door{dir: filepath.Dir(f)}
			if t.Failed() {
				t.Logf("%s:\n%s", d.path(logFileName), logTail(d.path(logFileName), 20))
			}
			assert.NoError(t, stop(ctx, d))
		}
		_ = os.RemoveAll(dir)
	})
	return c
}

// doorOf returns the door of route id and the pid of its Caddy.
func doorOf(t *testing.T, c *Caddy, id string) (door, int) {
	t.Helper()
	d, err := c.door(id)
	require.NoError(t, err)
	return d, running(t.Context(), d)
}

// backend starts an upstream on loopback that answers body to every request.
func backend(t *testing.T, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// send makes one request through client and returns the body, whether it
// went over a connection used before, or why it failed.
func send(client *http.Client, method, addr string) (body string, reused bool, err error) {
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused }}
	ctx := httptrace.WithClientTrace(context.Background(), trace)
	req, err := http.NewRequestWithContext(ctx, method, "http://"+addr+"/", strings.NewReader("ping"))
	if err != nil {
		return "", false, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", reused, err
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", reused, err
	}
	if resp.StatusCode != http.StatusOK {
		return "", reused, fmt.Errorf("status %d: %s", resp.StatusCode, data)
	}
	return string(data), reused, nil
}

func mustGet(t *testing.T, addr string) string {
	t.Helper()
	body, _, err := send(&http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}, http.MethodGet, addr)
	require.NoError(t, err)
	return body
}

func TestSetUpstreamsSwitches(t *testing.T) {
	ctx := t.Context()
	c := newCaddy(t)
	a, b, b2 := backend(t, "a"), backend(t, "b"), backend(t, "b")
	route := Route{ID: "bake-test-switch", Listen: freeAddr(t)}

	_, err := c.Upstreams(ctx, route.ID)
	require.ErrorIs(t, err, ErrNoRoute)
	require.NoError(t, c.SetUpstreams(ctx, route, []string{a}))
	assert.Equal(t, "a", mustGet(t, route.Listen))
	_, pid := doorOf(t, c, route.ID)
	require.NotZero(t, pid)

	// A switch and a change of the replica count keep the same Caddy.
	require.NoError(t, c.SetUpstreams(ctx, route, []string{b, b2}))
	for range 4 {
		assert.Equal(t, "b", mustGet(t, route.Listen))
	}
	ups, err := c.Upstreams(ctx, route.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{b, b2}, ups)
	require.NoError(t, c.SetUpstreams(ctx, route, []string{a}))
	assert.Equal(t, "a", mustGet(t, route.Listen))
	_, again := doorOf(t, c, route.ID)
	assert.Equal(t, pid, again)

	require.NoError(t, c.Remove(ctx, route.ID))
	assert.False(t, accepts(ctx, route.Listen))
	_, err = c.Upstreams(ctx, route.ID)
	require.ErrorIs(t, err, ErrNoRoute)
	require.NoError(t, c.Remove(ctx, route.ID), "removing a missing route")
}

func TestSetUpstreamsRejects(t *testing.T) {
	ctx := t.Context()
	c := newCaddy(t)
	good := backend(t, "a")
	for _, tc := range []struct {
		route     Route
		upstreams []string
	}{
		{Route{ID: "bad id", Listen: freeAddr(t)}, []string{good}},
		{Route{ID: "bake-x", Listen: "0.0.0.0:8080"}, []string{good}},
		{Route{ID: "bake-x", Listen: freeAddr(t)}, []string{"10.0.0.1:80"}},
		{Route{ID: "bake-x", Listen: freeAddr(t)}, nil},
	} {
		assert.Error(t, c.SetUpstreams(ctx, tc.route, tc.upstreams), "%+v %v", tc.route, tc.upstreams)
	}
	// An address something else serves is refused, not shared.
	taken := backend(t, "other")
	err := c.SetUpstreams(ctx, Route{ID: "bake-test-taken", Listen: taken}, []string{good})
	require.ErrorContains(t, err, "already accepts connections")
	assert.Equal(t, "other", mustGet(t, taken))
}

// TestKeptAliveSurvivesOtherRoutes follows one kept-alive connection to a
// route while another route is created, changes its replica count and is
// removed, and while the route's own replica count changes: each request
// goes over the same connection, none is refused.
func TestKeptAliveSurvivesOtherRoutes(t *testing.T) {
	ctx := t.Context()
	c := newCaddy(t)
	a, b := backend(t, "a"), backend(t, "b")
	mine := Route{ID: "bake-test-mine", Listen: freeAddr(t)}
	other := Route{ID: "bake-test-other", Listen: freeAddr(t)}
	require.NoError(t, c.SetUpstreams(ctx, mine, []string{a}))

	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil, MaxConnsPerHost: 1}}
	body, _, err := send(client, http.MethodPost, mine.Listen)
	require.NoError(t, err)
	require.Equal(t, "a", body)

	steps := []struct {
		name   string
		change func() error
		want   string
	}{
		{"another route created", func() error { return c.SetUpstreams(ctx, other, []string{b}) }, "a"},
		{"another route's replica count changed", func() error { return c.SetUpstreams(ctx, other, []string{b, a, b}) }, "a"},
		{"its own replica count changed", func() error { return c.SetUpstreams(ctx, mine, []string{b, b}) }, "b"},
		{"another route removed", func() error { return c.Remove(ctx, other.ID) }, "b"},
		{"its own release switched", func() error { return c.SetUpstreams(ctx, mine, []string{a}) }, "a"},
	}
	for _, s := range steps {
		require.NoError(t, s.change(), s.name)
		body, reused, err := send(client, http.MethodPost, mine.Listen)
		require.NoError(t, err, s.name)
		assert.True(t, reused, "%s: the kept-alive connection was closed", s.name)
		assert.Equal(t, s.want, body, s.name)
	}
}

// TestNoFailedRequestsUnderLoad sends POSTs over kept-alive connections to
// one route from several clients while other routes come and go and change,
// and while the route itself switches and changes its replica count.
func TestNoFailedRequestsUnderLoad(t *testing.T) {
	ctx := t.Context()
	c := newCaddy(t)
	a, b := backend(t, "a"), backend(t, "b")
	mine := Route{ID: "bake-test-load", Listen: freeAddr(t)}
	require.NoError(t, c.SetUpstreams(ctx, mine, []string{a}))

	const workers = 8
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: workers}}
	stop := make(chan struct{})
	type result struct {
		sent     int
		failures []string
	}
	results := make(chan result, workers)
	for range workers {
		go func() {
			var r result
			defer func() { results <- r }()
			for {
				select {
				case <-stop:
					return
				default:
				}
				r.sent++
				if _, _, err := send(client, http.MethodPost, mine.Listen); err != nil {
					r.failures = append(r.failures, err.Error())
				}
			}
		}()
	}
	for i := range 3 {
		other := Route{ID: fmt.Sprintf("bake-test-other-%d", i), Listen: freeAddr(t)}
		require.NoError(t, c.SetUpstreams(ctx, other, []string{b}))
		require.NoError(t, c.SetUpstreams(ctx, other, []string{b, a}))
		require.NoError(t, c.SetUpstreams(ctx, mine, []string{b, a, b}))
		require.NoError(t, c.SetUpstreams(ctx, mine, []string{a}))
		require.NoError(t, c.Remove(ctx, other.ID))
	}
	close(stop)
	var total result
	for range workers {
		r := <-results
		total.sent += r.sent
		total.failures = append(total.failures, r.failures...)
	}
	t.Logf("%d POSTs while 3 other routes came, changed and went and the route changed 6 times: %d failed", total.sent, len(total.failures))
	assert.Positive(t, total.sent)
	if len(total.failures) > 5 {
		total.failures = total.failures[:5]
	}
	assert.Empty(t, total.failures)
}

func TestEnsureResumesDoors(t *testing.T) {
	ctx := t.Context()
	c := newCaddy(t)
	a, b := backend(t, "a"), backend(t, "b")
	route := Route{ID: "bake-test-resume", Listen: freeAddr(t)}
	require.NoError(t, c.SetUpstreams(ctx, route, []string{a}))
	require.NoError(t, c.SetUpstreams(ctx, route, []string{b}))
	_, pid := doorOf(t, c, route.ID)

	require.NoError(t, c.Stop(ctx, route.ID))
	assert.False(t, accepts(ctx, route.Listen))
	_, err := c.Upstreams(ctx, route.ID)
	require.ErrorIs(t, err, ErrDown)
	require.NoError(t, c.Ensure(ctx))
	_, again := doorOf(t, c, route.ID)
	assert.NotZero(t, again)
	assert.NotEqual(t, pid, again)
	ups, err := c.Upstreams(ctx, route.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{b}, ups)
	assert.Equal(t, "b", mustGet(t, route.Listen))

	// Once running, Ensure leaves it alone.
	require.NoError(t, c.Ensure(ctx))
	_, same := doorOf(t, c, route.ID)
	assert.Equal(t, again, same)
}

// TestDrainWaitsForRequestsInFlight switches a route away from an upstream
// that is answering a slow request: Drain returns only once that request
// finished (with 200), and at once when nothing is in flight.
func TestDrainWaitsForRequestsInFlight(t *testing.T) {
	ctx := t.Context()
	c := newCaddy(t)
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			started <- struct{}{}
			<-release
		}
		_, _ = io.WriteString(w, "old")
	}))
	t.Cleanup(slow.Close)
	route := Route{ID: "bake-test-drain", Listen: freeAddr(t)}
	require.NoError(t, c.SetUpstreams(ctx, route, []string{slow.Listener.Addr().String()}))

	type answer struct {
		status int
		err    error
	}
	done := make(chan answer, 1)
	go func() {
		resp, err := http.Get("http://" + route.Listen + "/slow")
		if err != nil {
			done <- answer{err: err}
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		done <- answer{status: resp.StatusCode}
	}()
	<-started
	require.NoError(t, c.SetUpstreams(ctx, route, []string{backend(t, "new")}))
	assert.Equal(t, "new", mustGet(t, route.Listen))

	drained := make(chan error, 1)
	go func() { drained <- c.Drain(ctx, route.ID, MaxDrain) }()
	select {
	case err := <-drained:
		t.Fatalf("Drain returned while a request was in flight: %v", err)
	case <-time.After(500 * time.Millisecond):
	}
	close(release)
	a := <-done
	require.NoError(t, a.err)
	assert.Equal(t, http.StatusOK, a.status)
	select {
	case err := <-drained:
		require.NoError(t, err)
	case <-time.After(2 * time.Second):
		t.Fatal("Drain did not return after the request finished")
	}

	// Idle: Drain returns after the two idle readings that end any wait,
	// counted in the door's admin log rather than timed.
	require.NoError(t, c.SetUpstreams(ctx, route, []string{backend(t, "newer")}))
	d, _ := doorOf(t, c, route.ID)
	readings := func() int {
		b, err := os.ReadFile(d.path(logFileName))
		require.NoError(t, err)
		return strings.Count(string(b), `"uri":"/reverse_proxy/upstreams"`)
	}
	before := readings()
	require.NoError(t, c.Drain(ctx, route.ID, MaxDrain))
	assert.Equal(t, 2, readings()-before, "an idle door is read twice, no more")

	// Past the cap it says so.
	blocked := make(chan struct{})
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-blocked
	}))
	t.Cleanup(stuck.Close)
	t.Cleanup(func() { close(blocked) })
	require.NoError(t, c.SetUpstreams(ctx, route, []string{stuck.Listener.Addr().String()}))
	go func() { _, _ = http.Get("http://" + route.Listen + "/") }()
	<-started
	require.NoError(t, c.SetUpstreams(ctx, route, []string{backend(t, "last")}))
	require.ErrorIs(t, c.Drain(ctx, route.ID, 300*time.Millisecond), ErrDrainTimeout)
}

// TestUnrecordedCaddyIsReplaced follows a bake killed between starting a
// door's Caddy and recording it: the next switch ends that Caddy and starts
// one it knows, instead of finding the address taken.
func TestUnrecordedCaddyIsReplaced(t *testing.T) {
	ctx := t.Context()
	c := newCaddy(t)
	route := Route{ID: "bake-test-unrecorded", Listen: freeAddr(t)}
	require.NoError(t, c.SetUpstreams(ctx, route, []string{backend(t, "a")}))
	d, first := doorOf(t, c, route.ID)
	require.NoError(t, os.Remove(d.path(startRecordFileName)))
	require.Equal(t, first, unrecorded(d))

	require.NoError(t, c.SetUpstreams(ctx, route, []string{backend(t, "b")}))
	assert.Equal(t, "b", mustGet(t, route.Listen))
	_, second := doorOf(t, c, route.ID)
	assert.NotEqual(t, first, second)
	assert.False(t, alive(first), "the unrecorded caddy still runs")
}
