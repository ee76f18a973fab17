package servicestest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

// PrometheusURL is the Prometheus scripts/services.sh runs (scripts/prometheus.sh).
const PrometheusURL = "http://127.0.0.1:9090"

// PrometheusAPI is a client of that Prometheus.
func PrometheusAPI(t testing.TB) v1.API {
	t.Helper()
	client, err := api.NewClient(api.Config{Address: PrometheusURL})
	if err != nil {
		t.Fatalf("prometheus client: %v", err)
	}
	return v1.NewAPI(client)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// Scrape has that Prometheus scrape addr (host:port, serving /metrics)
// every second, with labels added to every series, until the test ends:
// it writes a file_sd targets file into the directory Prometheus watches
// and removes it at cleanup. Prometheus reads it within a second or two;
// WaitTargetUp waits for the first good scrape.
func Scrape(t testing.TB, addr string, labels map[string]string) {
	t.Helper()
	state, err := StateDir("prometheus")
	if err != nil {
		t.Fatalf("services state directory: %v", err)
	}
	dir := filepath.Join(state, "prometheus", "targets")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("no Prometheus targets directory (run `scripts/services.sh up`): %v", err)
	}
	doc, err := json.Marshal([]map[string]any{{"targets": []string{addr}, "labels": labels}})
	if err != nil {
		t.Fatalf("targets file: %v", err)
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	file := filepath.Join(dir, unsafeName.ReplaceAllString(t.Name(), "_")+"-"+hex.EncodeToString(suffix)+".json")
	// Written aside and renamed, so that Prometheus never reads half a file
	// (it only reads *.json).
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, doc, 0o644); err != nil {
		t.Fatalf("targets file: %v", err)
	}
	if err := os.Rename(tmp, file); err != nil {
		t.Fatalf("targets file: %v", err)
	}
	t.Cleanup(func() { _ = os.Remove(file) })
}

// WaitTargetUp waits until Prometheus has scraped addr successfully, as
// its /api/v1/targets says; it fails the test after timeout.
func WaitTargetUp(t testing.TB, addr string, timeout time.Duration) {
	t.Helper()
	promAPI := PrometheusAPI(t)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var last string
	for {
		targets, err := promAPI.Targets(ctx)
		if err != nil {
			last = err.Error()
		} else {
			last = "not among its targets yet"
			for _, tg := range targets.Active {
				if string(tg.Labels["instance"]) == addr {
					last = "health " + string(tg.Health) + " " + tg.LastError
					if tg.Health == v1.HealthGood {
						return
					}
				}
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("prometheus at %s did not scrape %s within %s: %s", PrometheusURL, addr, timeout, last)
		case <-tick.C:
		}
	}
}
