package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"time"
)

// faults is how badly a release behaves, from its image's environment:
// FAIL_RATE is the share of requests to / that answer 500 (chosen at
// random), EXTRA_LATENCY is added to every request but the probes. They
// make the good and bad releases a canary analysis must tell apart.
type faults struct {
	failRate     float64
	extraLatency time.Duration
}

func faultsFromEnv() (faults, error) {
	var f faults
	if s := os.Getenv("FAIL_RATE"); s != "" {
		r, err := strconv.ParseFloat(s, 64)
		if err != nil || r < 0 || r > 1 {
			return f, fmt.Errorf("FAIL_RATE %q: want a share between 0 and 1", s)
		}
		f.failRate = r
	}
	if s := os.Getenv("EXTRA_LATENCY"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return f, fmt.Errorf("EXTRA_LATENCY %q: want a duration such as 100ms", s)
		}
		f.extraLatency = d
	}
	return f, nil
}

// probe says whether a request is bake's, Caddy's or Prometheus's look at
// the service rather than a user's: those stay fast, healthy and uncounted,
// so a bad release still passes its health checks and reaches a canary.
func probe(r *http.Request) bool {
	return r.URL.Path == "/healthz" || r.URL.Path == "/metrics"
}

// wrap injects the faults into next and counts what it answered.
func (f faults) wrap(m *metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if probe(r) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		time.Sleep(f.extraLatency)
		if r.URL.Path == "/" && f.failRate > 0 && rand.Float64() < f.failRate {
			http.Error(rec, "injected failure (FAIL_RATE)", http.StatusInternalServerError)
		} else {
			next.ServeHTTP(rec, r)
		}
		m.observe(rec.status, time.Since(start))
	})
}

// statusRecorder remembers the status a handler answered with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}
