package frontdoor

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplitSlots(t *testing.T) {
	stable := []string{"127.0.0.1:1", "127.0.0.1:2"}
	canary := []string{"127.0.0.1:3", "127.0.0.1:4", "127.0.0.1:5"}
	for w := 0; w <= 100; w++ {
		s := Split{Stable: stable, Canary: canary, Weight: w}
		require.NoError(t, s.check())
		slots := s.normal().slots()
		var at []int // canary slots
		var order []string
		for i, u := range slots {
			if slices.Contains(canary, u) {
				at = append(at, i)
				order = append(order, u)
			}
		}
		want := int(math.Round(float64(w) * slotsPerBank / 100))
		if w > 0 && want == 0 {
			want = 1
		}
		assert.Len(t, at, want, "weight %d", w)
		// Each side takes its upstreams in turn.
		for i, u := range order {
			assert.Equal(t, canary[i%len(canary)], u, "weight %d: canary slot %d", w, i)
		}
		k := 0
		for _, u := range slots {
			if !slices.Contains(canary, u) {
				assert.Equal(t, stable[k%len(stable)], u, "weight %d", w)
				k++
			}
		}
		// Spread evenly: the gaps between canary slots (around the bank)
		// differ by at most one.
		if len(at) > 1 && len(at) < slotsPerBank {
			lo, hi := slotsPerBank, 0
			for i := range at {
				gap := (at[(i+1)%len(at)] - at[i] + slotsPerBank) % slotsPerBank
				lo, hi = min(lo, gap), max(hi, gap)
			}
			assert.LessOrEqual(t, hi-lo, 1, "weight %d: canary slots %v", w, at)
		}
	}
}

func TestSplitNormalAndCheck(t *testing.T) {
	a, b := []string{"127.0.0.1:1"}, []string{"127.0.0.1:2"}
	assert.Equal(t, Split{Stable: a}, Split{Stable: a, Canary: b}.normal())
	assert.Equal(t, Split{Stable: b}, Split{Stable: a, Canary: b, Weight: 100}.normal())
	assert.Equal(t, Split{Stable: b}, Split{Canary: b, Weight: 100}.normal())
	assert.Equal(t, []string{"127.0.0.1:1", "127.0.0.1:2"}, Split{Stable: append(a, a...), Canary: b, Weight: 5}.inTraffic())
	for _, bad := range []Split{
		{},
		{Stable: a, Weight: 10},
		{Canary: b, Weight: 10},
		{Stable: a, Canary: b, Weight: 101},
		{Stable: a, Canary: b, Weight: -1},
		{Stable: a, Canary: []string{"10.0.0.1:80"}, Weight: 10},
	} {
		assert.Error(t, bad.check(), "%+v", bad)
	}
	assert.Equal(t, "90% 127.0.0.1:1 / 10% 127.0.0.1:2", Split{Stable: a, Canary: b, Weight: 10}.String())
}

// TestSetSplitShares measures the share of requests that reaches the
// canary's upstreams at several weights, and what the door says it holds.
func TestSetSplitShares(t *testing.T) {
	ctx := t.Context()
	c := newCaddy(t)
	s1, stable1 := counted(t, http.StatusOK, "stable")
	s2, stable2 := counted(t, http.StatusOK, "stable")
	c1, canary1 := counted(t, http.StatusOK, "canary")
	c2, canary2 := counted(t, http.StatusOK, "canary")
	route := Route{ID: "bake-test-split", Listen: freeAddr(t)}
	require.NoError(t, c.SetUpstreams(ctx, route, []string{s1, s2}))
	s, err := c.CurrentSplit(ctx, route.ID)
	require.NoError(t, err)
	assert.Equal(t, Split{Stable: []string{s1, s2}}, s)
	_, pid := doorOf(t, c, route.ID)

	const requests = 1200
	for _, weight := range []int{1, 10, 50, 90} {
		split := Split{Stable: []string{s1, s2}, Canary: []string{c1, c2}, Weight: weight}
		require.NoError(t, c.SetSplit(ctx, route, split))
		got, err := c.CurrentSplit(ctx, route.ID)
		require.NoError(t, err)
		assert.Equal(t, split, got)
		ups, err := c.Upstreams(ctx, route.ID)
		require.NoError(t, err)
		assert.Equal(t, []string{s1, s2, c1, c2}, ups)

		for _, n := range []*atomic.Int64{stable1, stable2, canary1, canary2} {
			n.Store(0)
		}
		load(t, route.Listen, requests, 4)
		toCanary := canary1.Load() + canary2.Load()
		require.Equal(t, int64(requests), toCanary+stable1.Load()+stable2.Load())
		share := 100 * float64(toCanary) / requests
		t.Logf("weight %d%%: %.2f%% of %d requests reached the canary (%d and %d)", weight, share, requests, canary1.Load(), canary2.Load())
		// 120 slots: a weight's share is within 0.42 points; allow
		// the round robin's start to cost a few requests more.
		assert.InDelta(t, weight, share, 1, "weight %d", weight)
		// Each upstream gets its slots' share: 1200 requests go round
		// the 120 slots ten times.
		bySlots := map[string]int{}
		for _, u := range split.slots() {
			bySlots[u] += requests / slotsPerBank
		}
		for u, n := range map[string]*atomic.Int64{s1: stable1, s2: stable2, c1: canary1, c2: canary2} {
			assert.InDelta(t, bySlots[u], n.Load(), 2, "weight %d: requests to %s", weight, u)
		}
	}

	require.NoError(t, c.SetSplit(ctx, route, Split{Stable: []string{s1, s2}, Canary: []string{c1, c2}, Weight: 100}))
	s, err = c.CurrentSplit(ctx, route.ID)
	require.NoError(t, err)
	assert.Equal(t, Split{Stable: []string{c1, c2}}, s, "a door sending everything to the canary holds it as stable")
	assert.Equal(t, "canary", mustGet(t, route.Listen))
	_, again := doorOf(t, c, route.ID)
	assert.Equal(t, pid, again, "splits never restart the door's caddy")
}

// load sends n GETs to addr from workers kept-alive clients and fails the
// test on any error or status other than 200.
func load(t *testing.T, addr string, n, workers int) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: workers}}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				if _, _, err := send(client, http.MethodGet, addr); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

// TestSplitChangesDropNothing changes a door's split from 0 to 10, 50, 100
// and back to 0 percent every 200 ms while hey sends POSTs through it over
// kept-alive connections: no request fails.
func TestSplitChangesDropNothing(t *testing.T) {
	ctx := t.Context()
	c := newCaddy(t)
	s1, stable1 := counted(t, http.StatusOK, "stable")
	s2, stable2 := counted(t, http.StatusOK, "stable")
	c1, canary := counted(t, http.StatusOK, "canary")
	route := Route{ID: "bake-test-split-load", Listen: freeAddr(t)}
	require.NoError(t, c.SetUpstreams(ctx, route, []string{s1, s2}))

	stop := make(chan struct{})
	changes := make(chan int, 1)
	go func() {
		n := 0
		defer func() { changes <- n }()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			for _, w := range []int{0, 10, 50, 100, 0} {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				if err := c.SetSplit(ctx, route, Split{Stable: []string{s1, s2}, Canary: []string{c1}, Weight: w}); err != nil {
					t.Errorf("weight %d: %v", w, err)
					return
				}
				n++
			}
		}
	}()
	r := hey(t, "-z", "4s", "-c", "8", "-m", "POST", "-d", "ping", "http://"+route.Listen+"/")
	close(stop)
	n := <-changes
	t.Logf("%d POSTs (%.0f/s) while the split changed %d times: %d failed; %d reached the canary, %d the stable upstreams",
		r.total(), r.perSecond, n, r.failed(), canary.Load(), stable1.Load()+stable2.Load())
	assert.Positive(t, r.total())
	assert.GreaterOrEqual(t, n, 10, "two rounds of changes at least")
	assert.Zero(t, r.failed(), "%v\n%s", r.errors, r.output)
	assert.Positive(t, canary.Load())
	assert.Equal(t, fmt.Sprint(r.total()), fmt.Sprint(canary.Load()+stable1.Load()+stable2.Load()), "every request reached an upstream once")
}
