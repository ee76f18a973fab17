package frontdoor

import (
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// makeOld turns route's running door into one an older bake started: its
// Caddy runs, and its config file says, the config without the access log.
func makeOld(t *testing.T, c *Caddy, route Route) door {
	t.Helper()
	d, pid := doorOf(t, c, route.ID)
	require.NotZero(t, pid)
	data, err := json.Marshal(c.doorConfig(d, doorFile{ID: route.ID, Listen: route.Listen}))
	require.NoError(t, err)
	var cfg map[string]any
	require.NoError(t, json.Unmarshal(data, &cfg))
	delete(cfg, "logging")
	srv := cfg["apps"].(map[string]any)["http"].(map[string]any)["servers"].(map[string]any)[route.ID].(map[string]any)
	delete(srv, "logs")
	for _, r := range srv["routes"].([]any) {
		r := r.(map[string]any)
		r["handle"] = slices.DeleteFunc(r["handle"].([]any), func(h any) bool {
			return h.(map[string]any)["handler"] == "log_append"
		})
	}
	require.NoError(t, call(t.Context(), d, pid, http.MethodPost, "/load", cfg, nil))
	require.NoError(t, writeJSON(d.path(configFileName), cfg))
	require.NoError(t, os.Remove(d.path(accessLogFileName)))
	return d
}

// postLoop sends POSTs over kept-alive connections from workers clients
// until stop closes and returns how many it sent and the failures.
func postLoop(addr string, workers int, stop <-chan struct{}) func() (int, []string) {
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: workers}}
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
				if _, _, err := send(client, http.MethodPost, addr); err != nil {
					r.failures = append(r.failures, err.Error())
				}
			}
		}()
	}
	return func() (int, []string) {
		var sent int
		var failures []string
		for range workers {
			r := <-results
			sent += r.sent
			failures = append(failures, r.failures...)
		}
		return sent, failures
	}
}

// TestOldDoorUpgradedUnderLoad sets a split on a door an older bake
// started (no access log) while hey sends GETs and other clients POSTs
// through it: its config is replaced, not one GET fails, the same Caddy
// serves on, and Served counts what it answers from then on.
func TestOldDoorUpgradedUnderLoad(t *testing.T) {
	ctx := t.Context()
	c := newCaddy(t)
	stable, _ := counted(t, http.StatusOK, "stable")
	canary, _ := counted(t, http.StatusOK, "canary")
	route := Route{ID: "bake-test-upgrade", Listen: freeAddr(t)}
	require.NoError(t, c.SetUpstreams(ctx, route, []string{stable}))
	d := makeOld(t, c, route)
	_, pid := doorOf(t, c, route.ID)
	mustGet(t, route.Listen)
	_, err := os.Stat(d.path(accessLogFileName))
	require.ErrorIs(t, err, os.ErrNotExist, "the old door writes no access log")

	stop := make(chan struct{})
	const workers = 4
	posts := postLoop(route.Listen, workers, stop)
	upgraded := make(chan time.Time, 1)
	go func() {
		time.Sleep(1500 * time.Millisecond)
		err := c.SetSplit(ctx, route, Split{Stable: []string{stable}, Canary: []string{canary}, Weight: 10})
		assert.NoError(t, err)
		upgraded <- time.Now()
	}()
	r := hey(t, "-z", "4s", "-c", "4", "http://"+route.Listen+"/")
	close(stop)
	sent, failures := posts()
	at := <-upgraded
	t.Logf("while the door's config was replaced: hey %d GETs (%.0f/s), %d failed; %d kept-alive POSTs, %d failed",
		r.total(), r.perSecond, r.failed(), sent, len(failures))
	assert.Zero(t, r.failed(), "%v", r.errors)
	// Caddy closes each idle kept-alive connection once as it loads the
	// config: a POST sent on one just then (never resent) can meet the
	// reset, at most one per connection.
	assert.LessOrEqual(t, len(failures), workers, "%v", failures)
	for _, f := range failures {
		assert.Regexp(t, `connection reset by peer|EOF`, f)
	}

	_, again := doorOf(t, c, route.ID)
	assert.Equal(t, pid, again, "the same caddy serves on")
	data, err := os.ReadFile(d.path(configFileName))
	require.NoError(t, err)
	want, err := json.Marshal(c.doorConfig(d, doorFile{ID: route.ID, Listen: route.Listen}))
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(data))
	served := mustServed(t, c, route.ID, at)
	assert.NotEmpty(t, served)
	for _, s := range served {
		assert.Contains(t, []string{stable, canary}, s.Upstream)
	}
}

// TestAccessLogCost measures requests per second through three doors to
// the same kind of upstream, in turns in one run: one with no split (its
// access log off), one split (logging every request) and one an older
// bake started with no access log at all, the baseline. It asserts
// nothing: the machine's load decides the numbers.
func TestAccessLogCost(t *testing.T) {
	if os.Getenv("BAKE_MEASURE") == "" {
		t.Skip("a measurement, not a test: set BAKE_MEASURE=1 to run it")
	}
	ctx := t.Context()
	c := newCaddy(t)
	up, _ := counted(t, http.StatusOK, "ok")
	other, _ := counted(t, http.StatusOK, "ok")
	unsplit := Route{ID: "bake-test-unsplit", Listen: freeAddr(t)}
	split := Route{ID: "bake-test-split", Listen: freeAddr(t)}
	plain := Route{ID: "bake-test-plain", Listen: freeAddr(t)}
	require.NoError(t, c.SetUpstreams(ctx, unsplit, []string{up}))
	require.NoError(t, c.SetSplit(ctx, split, Split{Stable: []string{up}, Canary: []string{other}, Weight: 50}))
	require.NoError(t, c.SetUpstreams(ctx, plain, []string{up}))
	makeOld(t, c, plain)
	doors := []Route{unsplit, split, plain}
	names := map[Route]string{unsplit: "no split (log off)", split: "split (log on)", plain: "no access log (older bake)"}
	// Rounds run the doors back to back, in turns of order, so that each
	// door of a round meets about the same load from the rest of the
	// machine. The CPU time each door's Caddy spends per request is less
	// subject to that load than the rate.
	pids := map[Route]int{}
	for _, r := range doors {
		_, pids[r] = doorOf(t, c, r.ID)
	}
	rates, ratios, cpus, cpuRatios := map[Route][]float64{}, map[Route][]float64{}, map[Route][]float64{}, map[Route][]float64{}
	for i := range 8 {
		order := slices.Clone(doors)
		for range i % len(order) {
			order = append(order[1:], order[0])
		}
		if i%2 == 1 {
			slices.Reverse(order)
		}
		rate, cpu := map[Route]float64{}, map[Route]float64{}
		for _, r := range order {
			before := cpuTime(t, pids[r])
			res := hey(t, "-z", "3s", "-c", "16", "http://"+r.Listen+"/")
			require.Zero(t, res.failed(), res.output)
			rate[r] = res.perSecond
			cpu[r] = float64((cpuTime(t, pids[r]) - before).Microseconds()) / float64(res.total())
		}
		for _, r := range doors {
			rates[r] = append(rates[r], rate[r])
			ratios[r] = append(ratios[r], rate[r]/rate[plain])
			cpus[r] = append(cpus[r], cpu[r])
			cpuRatios[r] = append(cpuRatios[r], cpu[r]/cpu[plain])
		}
	}
	median := func(v []float64) float64 {
		v = slices.Clone(v)
		slices.Sort(v)
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	for _, r := range doors {
		t.Logf("%s: requests/s %.0f, against no access log %.2f (median %.3f)",
			names[r], rates[r], ratios[r], median(ratios[r]))
		t.Logf("%s: caddy CPU µs per request %.0f (median %.0f), against no access log %.2f (median %.3f)",
			names[r], cpus[r], median(cpus[r]), cpuRatios[r], median(cpuRatios[r]))
	}
}

// cpuTime returns the CPU time process pid has used.
func cpuTime(t *testing.T, pid int) time.Duration {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	require.NoError(t, err)
	s := string(data)
	// Fields after the command name: state is the 3rd field, utime the
	// 14th and stime the 15th, in clock ticks of 10 ms.
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	utime, err := strconv.Atoi(fields[11])
	require.NoError(t, err)
	stime, err := strconv.Atoi(fields[12])
	require.NoError(t, err)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
