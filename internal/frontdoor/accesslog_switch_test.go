package frontdoor

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// accessLogSize returns the bytes in d's access log files.
func accessLogSize(t *testing.T, d door) int64 {
	t.Helper()
	files, err := logFiles(d)
	require.NoError(t, err)
	var size int64
	for _, f := range files {
		size += f.size
	}
	return size
}

// logSwitches returns what d's banks say about logging.
func logSwitches(t *testing.T, d door) []string {
	t.Helper()
	var out []string
	for _, bank := range []string{bankA, bankB} {
		data, err := os.ReadFile(filepath.Join(d.path(bank), logSwitchFileName))
		require.NoError(t, err)
		out = append(out, string(data))
	}
	return out
}

// noPlaceholderErrors checks that d's Caddy read every file it was given.
func noPlaceholderErrors(t *testing.T, d door) {
	t.Helper()
	data, err := os.ReadFile(d.path(logFileName))
	require.NoError(t, err)
	assert.NotContains(t, string(data), "failed to read file")
}

// TestNoLogWithoutSplit sends requests through a door that sends them all
// one way, as a plain door and after splits of weight 0 and 100: its
// access log stays empty.
func TestNoLogWithoutSplit(t *testing.T) {
	ctx := t.Context()
	c := newCaddy(t)
	stable, _ := counted(t, http.StatusOK, "stable")
	canary, _ := counted(t, http.StatusOK, "canary")
	route := Route{ID: "bake-test-unlogged", Listen: freeAddr(t)}
	begin := time.Now()
	require.NoError(t, c.SetUpstreams(ctx, route, []string{stable}))
	d, _ := doorOf(t, c, route.ID)
	assert.Equal(t, []string{logOff, logOff}, logSwitches(t, d))
	r := hey(t, "-n", "500", "-c", "4", "http://"+route.Listen+"/")
	require.Zero(t, r.failed(), r.output)

	for _, w := range []int{0, 100} {
		require.NoError(t, c.SetSplit(ctx, route, Split{Stable: []string{stable}, Canary: []string{canary}, Weight: w}))
		assert.Equal(t, map[int]int{200: 50}, get(t, route.Listen, 50), "weight %d", w)
	}
	assert.Equal(t, []string{logOff, logOff}, logSwitches(t, d))
	assert.Zero(t, accessLogSize(t, d), "a door with no split logs nothing")
	assert.Empty(t, mustServed(t, c, route.ID, begin))
	noPlaceholderErrors(t, d)
}

// TestLogDuringSplit sends requests through a split door: each is logged
// with the upstream that answered it.
func TestLogDuringSplit(t *testing.T) {
	ctx := t.Context()
	c := newCaddy(t)
	stable, stableN := counted(t, http.StatusOK, "stable")
	canary, canaryN := counted(t, http.StatusOK, "canary")
	route := Route{ID: "bake-test-logged", Listen: freeAddr(t)}
	require.NoError(t, c.SetUpstreams(ctx, route, []string{stable}))
	begin := time.Now()
	require.NoError(t, c.SetSplit(ctx, route, Split{Stable: []string{stable}, Canary: []string{canary}, Weight: 25}))
	d, _ := doorOf(t, c, route.ID)
	live, err := liveBank(d)
	require.NoError(t, err)
	switches := logSwitches(t, d)
	assert.Equal(t, logOn, switches[slices.Index([]string{bankA, bankB}, live)], "the split bank logs")

	r := hey(t, "-n", "800", "-c", "4", "http://"+route.Listen+"/")
	require.Zero(t, r.failed(), r.output)
	require.Equal(t, int64(800), stableN.Load()+canaryN.Load())
	var served []Served
	// Caddy writes a request's line just after its answer.
	require.Eventually(t, func() bool {
		served = mustServed(t, c, route.ID, begin)
		return len(served) >= 800
	}, 5*time.Second, 20*time.Millisecond)
	assert.Equal(t, map[string]map[int]int{stable: {200: int(stableN.Load())}, canary: {200: int(canaryN.Load())}}, byUpstream(served))
	assert.InDelta(t, 200, canaryN.Load(), 4)
	noPlaceholderErrors(t, d)
}

// delayed starts an upstream that answers 200 after the delay it is
// given (none at first) and counts the requests that reached it.
func delayed(t *testing.T) (addr string, arrived *atomic.Int64, delay *atomic.Int64) {
	t.Helper()
	arrived, delay = new(atomic.Int64), new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Add(1)
		time.Sleep(time.Duration(delay.Load()))
		_, _ = w.Write([]byte("delayed"))
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String(), arrived, delay
}

// TestServedAcrossToggle turns a door's split on, off while the canary
// still answers requests, and on again: Served returns every request the
// split sent somewhere, those that finished after the split ended
// included, and none of those sent while it was off, in this process and
// in another.
func TestServedAcrossToggle(t *testing.T) {
	ctx := t.Context()
	c := newCaddy(t)
	stable, stableN := counted(t, http.StatusOK, "stable")
	canary, arrived, delay := delayed(t)
	route := Route{ID: "bake-test-toggle", Listen: freeAddr(t)}
	split := Split{Stable: []string{stable}, Canary: []string{canary}, Weight: 50}
	begin := time.Now()
	require.NoError(t, c.SetUpstreams(ctx, route, []string{stable}))
	get(t, route.Listen, 20) // off

	require.NoError(t, c.SetSplit(ctx, route, split))
	get(t, route.Listen, 20) // on: 10 each way

	// Requests in flight on both sides when the split ends, the canary's
	// for a second.
	delay.Store(int64(time.Second))
	const inFlight = 6
	before := stableN.Load() + arrived.Load()
	var wg sync.WaitGroup
	for range inFlight {
		wg.Go(func() { mustGet(t, route.Listen) })
	}
	require.Eventually(t, func() bool { return stableN.Load()+arrived.Load()-before == inFlight },
		5*time.Second, 5*time.Millisecond)
	slow := arrived.Load() - 10
	require.NoError(t, c.SetUpstreams(ctx, route, []string{stable}))
	ended := time.Now()
	wg.Wait()
	delay.Store(0)
	get(t, route.Listen, 20) // off

	again := time.Now()
	require.NoError(t, c.SetSplit(ctx, route, split))
	get(t, route.Listen, 10) // on: 5 each way
	require.NoError(t, c.SetSplit(ctx, route, Split{Stable: []string{canary}}))
	get(t, route.Listen, 4) // off

	want := 20 + inFlight + 10
	var served []Served
	require.Eventually(t, func() bool {
		served = mustServed(t, c, route.ID, begin)
		return len(served) >= want
	}, 5*time.Second, 20*time.Millisecond)
	require.Len(t, served, want)
	assert.Equal(t, map[string]map[int]int{
		stable: {200: want - 10 - int(slow) - 5},
		canary: {200: 10 + int(slow) + 5},
	}, byUpstream(served))

	// The canary's requests in flight when the split ended are logged, as
	// they finished: an analysis after the switch counts them.
	var late []Served
	for _, s := range mustServed(t, c, route.ID, ended) {
		if s.At.Before(again) {
			late = append(late, s)
		}
	}
	require.Len(t, late, int(slow), "the canary's requests in flight as the split ended")
	for _, s := range late {
		assert.Equal(t, canary, s.Upstream)
	}

	fresh := &Caddy{StateDir: c.StateDir, Binary: c.Binary}
	assert.Equal(t, served, mustServed(t, fresh, route.ID, begin))
}

// makeLogAll turns route's running door into one that the bake before
// the log switches started: its Caddy logs every request, its banks have
// no switch.
func makeLogAll(t *testing.T, c *Caddy, route Route) door {
	t.Helper()
	d, pid := doorOf(t, c, route.ID)
	require.NotZero(t, pid)
	data, err := json.Marshal(c.doorConfig(d, doorFile{ID: route.ID, Listen: route.Listen}))
	require.NoError(t, err)
	var cfg map[string]any
	require.NoError(t, json.Unmarshal(data, &cfg))
	srv := cfg["apps"].(map[string]any)["http"].(map[string]any)["servers"].(map[string]any)[route.ID].(map[string]any)
	for _, r := range srv["routes"].([]any) {
		r := r.(map[string]any)
		r["handle"] = slices.DeleteFunc(r["handle"].([]any), func(h any) bool {
			return h.(map[string]any)["handler"] == "subroute"
		})
	}
	require.NoError(t, call(t.Context(), d, pid, http.MethodPost, "/load", cfg, nil))
	require.NoError(t, writeJSON(d.path(configFileName), cfg))
	for _, bank := range []string{bankA, bankB} {
		require.NoError(t, os.Remove(filepath.Join(d.path(bank), logSwitchFileName)))
	}
	return d
}

// TestLogAllDoorUpgraded takes a door that logs every request, as the bake
// before the log switches started them: it logs on until its next switch,
// which gives it the config that logs only splits; one stopped and resumed
// by Ensure gets it too. What it logged before stays readable.
func TestLogAllDoorUpgraded(t *testing.T) {
	ctx := t.Context()
	c := newCaddy(t)
	stable, _ := counted(t, http.StatusOK, "stable")
	route := Route{ID: "bake-test-logall", Listen: freeAddr(t)}
	require.NoError(t, c.SetUpstreams(ctx, route, []string{stable}))
	d := makeLogAll(t, c, route)
	_, pid := doorOf(t, c, route.ID)
	begin := time.Now()
	get(t, route.Listen, 30)
	require.Eventually(t, func() bool { return len(mustServed(t, c, route.ID, begin)) == 30 },
		5*time.Second, 20*time.Millisecond, "the door logs every request until its next switch")

	require.NoError(t, c.SetUpstreams(ctx, route, []string{stable}))
	_, again := doorOf(t, c, route.ID)
	assert.Equal(t, pid, again, "the same caddy serves on")
	assert.Equal(t, []string{logOff, logOff}, logSwitches(t, d))
	data, err := os.ReadFile(d.path(configFileName))
	require.NoError(t, err)
	want, err := json.Marshal(c.doorConfig(d, doorFile{ID: route.ID, Listen: route.Listen}))
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(data))
	get(t, route.Listen, 30)
	time.Sleep(100 * time.Millisecond)
	assert.Len(t, mustServed(t, c, route.ID, begin), 30, "no line after the switch")

	// Stopped with its banks as that bake left them, and resumed.
	require.NoError(t, c.Stop(ctx, route.ID))
	for _, bank := range []string{bankA, bankB} {
		require.NoError(t, os.Remove(filepath.Join(d.path(bank), logSwitchFileName)))
	}
	require.NoError(t, c.Ensure(ctx))
	assert.Equal(t, []string{logOff, logOff}, logSwitches(t, d))
	get(t, route.Listen, 30)
	time.Sleep(100 * time.Millisecond)
	assert.Len(t, mustServed(t, c, route.ID, begin), 30, "no line after the restart")
	noPlaceholderErrors(t, d)
}
