// Command svc is the service the end-to-end tests release and promote: it
// reports its version, is healthy only once it has run SVC_HEALTHY_AFTER
// seconds and until SVC_HEALTHY_UNTIL has passed, answers /slow?ms=N late,
// answers /redirect?to=URL with a 302 to URL, as a hostile service might,
// writes /log?msg=M to stderr (and a line to stdout when it starts), and
// tries to reach the host from inside its container at /escape. FAIL_RATE
// and EXTRA_LATENCY make a bad release of it (faults.go); /metrics counts
// its requests for Prometheus (metrics.go).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"time"
)

func main() {
	printVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	version := os.Getenv("SVC_VERSION")
	if *printVersion {
		fmt.Println(version)
		return
	}
	until, err := healthyUntil(os.Getenv("SVC_HEALTHY_UNTIL"))
	if err != nil {
		log.Fatal(err)
	}
	after, err := strconv.Atoi(os.Getenv("SVC_HEALTHY_AFTER"))
	if err != nil && os.Getenv("SVC_HEALTHY_AFTER") != "" {
		log.Fatalf("SVC_HEALTHY_AFTER %q: %v", os.Getenv("SVC_HEALTHY_AFTER"), err)
	}
	bad, err := faultsFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	healthyFrom := time.Now().Add(time.Duration(after) * time.Second)
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		if (!until.IsZero() && !time.Now().Before(until)) || time.Now().Before(healthyFrom) {
			http.Error(w, "unhealthy", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"version": version})
	})
	// /platform names the platform the service was built for, so a check
	// of a multi-platform image shows which one answered.
	mux.HandleFunc("/platform", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "%s/%s\n", runtime.GOOS, runtime.GOARCH)
	})
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "svc %s\n", version)
	})
	// /slow?ms=N answers after N milliseconds (at most a minute): a request
	// still in flight when the front door switches away.
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		ms, err := strconv.Atoi(r.URL.Query().Get("ms"))
		if err != nil || ms < 0 || ms > 60000 {
			http.Error(w, "ms: want 0..60000", http.StatusBadRequest)
			return
		}
		time.Sleep(time.Duration(ms) * time.Millisecond)
		fmt.Fprintf(w, "svc %s slow\n", version)
	})
	// /log?msg=M writes M to stderr: a line for `bake logs` to show.
	mux.HandleFunc("/log", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(os.Stderr, r.URL.Query().Get("msg"))
		fmt.Fprintln(w, "logged")
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	})
	// /escape?port=P&hosts=A,B&name=N tries to leave the container (escape.go).
	mux.HandleFunc("/escape", escape)
	m := newMetrics(version)
	mux.Handle("/metrics", m)
	srv := &http.Server{Addr: ":8080", Handler: bad.wrap(m, mux), ReadHeaderTimeout: 5 * time.Second}
	fmt.Printf("svc %s listening on :8080\n", version)
	log.Fatal(srv.ListenAndServe())
}

// healthyUntil parses unix seconds; empty or 0 means healthy forever.
func healthyUntil(s string) (time.Time, error) {
	if s == "" || s == "0" {
		return time.Time{}, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SVC_HEALTHY_UNTIL %q: %w", s, err)
	}
	return time.Unix(n, 0), nil
}
