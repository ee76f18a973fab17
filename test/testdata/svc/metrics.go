package main

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"
)

// buckets are the upper bounds, in seconds, of the latency histogram: fine
// enough to tell 100 ms of EXTRA_LATENCY apart from a fast release.
var buckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}

// metrics counts the requests the service answered, for Prometheus to
// scrape at /metrics in its text format (written by hand: two metric
// families do not need a client library in the service).
type metrics struct {
	version string
	mu      sync.Mutex
	codes   map[int]uint64
	counts  []uint64 // per bucket, not cumulative; the last is +Inf
	sum     float64
	total   uint64
}

func newMetrics(version string) *metrics {
	return &metrics{version: version, codes: map[int]uint64{}, counts: make([]uint64, len(buckets)+1)}
}

func (m *metrics) observe(code int, d time.Duration) {
	s := d.Seconds()
	i := sort.SearchFloat64s(buckets, s)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.codes[code]++
	m.counts[i]++
	m.sum += s
	m.total++
}

func (m *metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	v := strconv.Quote(m.version)
	fmt.Fprintln(w, "# HELP svc_requests_total Requests answered, by version and status code (probes excluded).")
	fmt.Fprintln(w, "# TYPE svc_requests_total counter")
	codes := make([]int, 0, len(m.codes))
	for c := range m.codes {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	for _, c := range codes {
		fmt.Fprintf(w, "svc_requests_total{version=%s,code=\"%d\"} %d\n", v, c, m.codes[c])
	}
	fmt.Fprintln(w, "# HELP svc_request_duration_seconds Time to answer a request (probes excluded).")
	fmt.Fprintln(w, "# TYPE svc_request_duration_seconds histogram")
	var cum uint64
	for i, le := range buckets {
		cum += m.counts[i]
		fmt.Fprintf(w, "svc_request_duration_seconds_bucket{version=%s,le=\"%g\"} %d\n", v, le, cum)
	}
	fmt.Fprintf(w, "svc_request_duration_seconds_bucket{version=%s,le=\"+Inf\"} %d\n", v, m.total)
	fmt.Fprintf(w, "svc_request_duration_seconds_sum{version=%s} %g\n", v, m.sum)
	fmt.Fprintf(w, "svc_request_duration_seconds_count{version=%s} %d\n", v, m.total)
}
